//===- Compile.cpp - moe IR to a loadable GPU artifact --------------------===//

#include "moe/Compile/Compile.h"
#include "moe/Dialect/Moe/IR/MoeDialect.h"
#include "moe/Dialect/Moe/Transforms/BufferizableOpInterfaceImpl.h"
#include "moe/Dialect/Moe/Transforms/Passes.h"
#include "moe/Pipelines/Pipelines.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"

#include <cstdlib>
#include <memory>

using namespace mlir;
using namespace mlir::moe;

void mlir::moe::registerCompileDialects(DialectRegistry &registry) {
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllToLLVMIRTranslations(registry);
  registry.insert<MoeDialect>();
  registerBufferizableOpInterfaceExternalModels(registry);
}

//===----------------------------------------------------------------------===//
// Steps
//===----------------------------------------------------------------------===//

/// Parses the moe-to-nvvm options of `options` into `pipeline`.
static LogicalResult parsePipelineOptions(Location loc,
                                          const CompileOptions &options,
                                          MoeToNVVMPipelineOptions &pipeline) {
  std::string text;
  if (!options.chip.empty())
    text += "chip=" + options.chip + " ";
  if (!options.format.empty())
    text += "format=" + options.format + " ";
  text += options.pipelineOptions;
  std::string message;
  llvm::raw_string_ostream os(message);
  if (failed(pipeline.parseFromString(text, os))) {
    // Some parsers print their message to stderr instead of `os`.
    InFlightDiagnostic diag = emitError(loc) << "invalid moe-to-nvvm options '"
                                             << StringRef(text).trim() << "'";
    if (!StringRef(message).trim().empty())
      diag << ": " << StringRef(message).trim();
    return diag;
  }
  StringRef format = pipeline.format;
  if (format != "isa" && format != "bin" && format != "fatbin")
    return emitError(loc) << "unknown kernel format '" << format
                          << "' (isa, bin or fatbin)";
  return success();
}

/// Runs the manifest export and the moe-to-nvvm pipeline on `module`.
static LogicalResult lower(ModuleOp module, const CompileOptions &options,
                           const MoeToNVVMPipelineOptions &pipeline,
                           StringRef manifestPath) {
  PassManager pm(module->getContext());
  MoeExportManifestOptions manifest;
  manifest.path = manifestPath.str();
  pm.addPass(createMoeExportManifest(manifest));
  buildMoeToNVVMPipeline(pm, pipeline);
  if (options.configurePassManager && failed(options.configurePassManager(pm)))
    return failure();
  return pm.run(module);
}

/// Writes `module` as text to `path`.
static LogicalResult writeModule(ModuleOp module, StringRef path) {
  std::string message;
  std::unique_ptr<llvm::ToolOutputFile> file = openOutputFile(path, &message);
  if (!file)
    return emitError(module.getLoc()) << message;
  module->print(file->os());
  file->os() << "\n";
  file->keep();
  return success();
}

/// Generates a position-independent object of the host (llc -O2
/// -filetype=obj -relocation-model=pic) into `path`.
static LogicalResult emitHostObject(Location loc, llvm::Module &llvmModule,
                                    StringRef path) {
  static bool initialized = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)initialized;

  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return emitError(loc) << "no code generator for the host (" << triple.str()
                          << "): " << error;
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, /*CPU=*/"", /*Features=*/"", llvm::TargetOptions(),
      llvm::Reloc::PIC_, std::nullopt, llvm::CodeGenOptLevel::Default));
  if (!machine)
    return emitError(loc) << "cannot create a target machine for "
                          << triple.str();
  llvmModule.setTargetTriple(triple);
  llvmModule.setDataLayout(machine->createDataLayout());

  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return emitError(loc) << "cannot write '" << path << "': " << ec.message();
  llvm::legacy::PassManager codegen;
  if (machine->addPassesToEmitFile(codegen, os, nullptr,
                                   llvm::CodeGenFileType::ObjectFile))
    return emitError(loc) << "the " << triple.str()
                          << " target cannot emit object files";
  codegen.run(llvmModule);
  os.close();
  if (os.has_error())
    return emitError(loc) << "cannot write '" << path
                          << "': " << os.error().message();
  return success();
}

/// The compiler driver that links: `requested`, else $CXX, else c++, looked
/// up in PATH unless it is a path.
static FailureOr<std::string> findLinker(Location loc, StringRef requested) {
  std::string name = requested.str();
  if (name.empty())
    if (const char *cxx = std::getenv("CXX"))
      name = cxx;
  if (name.empty())
    name = "c++";
  if (llvm::sys::path::has_parent_path(name)) {
    if (llvm::sys::fs::can_execute(name))
      return name;
    return emitError(loc) << "no linker: '" << name
                          << "' is not an executable (set CXX)";
  }
  llvm::ErrorOr<std::string> found = llvm::sys::findProgramByName(name);
  if (!found)
    return emitError(loc) << "no linker: '" << name
                          << "' is not in PATH (set CXX)";
  return *found;
}

/// Links `object` into the shared library `library` with `linker` -shared;
/// the linker's output becomes part of the error.
static LogicalResult linkSharedLibrary(Location loc, StringRef linker,
                                       StringRef object, StringRef library,
                                       StringRef outDir) {
  SmallString<128> log;
  int fd;
  if (std::error_code ec = llvm::sys::fs::createUniqueFile(
          Twine(outDir) + "/moe-link-%%%%%%.log", fd, log))
    return emitError(loc) << "cannot create a file in '" << outDir
                          << "': " << ec.message();
  llvm::sys::Process::SafelyCloseFileDescriptor(fd);
  llvm::FileRemover removeLog(log);

  SmallVector<StringRef> args = {linker, "-shared", object, "-o", library};
  std::optional<StringRef> redirects[] = {StringRef(""), StringRef(log),
                                          StringRef(log)};
  std::string message;
  int status = llvm::sys::ExecuteAndWait(linker, args, std::nullopt, redirects,
                                         0, 0, &message);
  if (status == 0)
    return success();
  InFlightDiagnostic diag = emitError(loc)
                            << "linking '" << library << "' failed: '"
                            << llvm::join(args, " ") << "' ";
  if (status < 0)
    diag << "did not run: " << message;
  else
    diag << "exited with " << status;
  if (llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> output =
          llvm::MemoryBuffer::getFile(log))
    if (!(*output)->getBuffer().trim().empty())
      diag << ":\n" << (*output)->getBuffer().rtrim();
  return diag;
}

//===----------------------------------------------------------------------===//
// The compile call
//===----------------------------------------------------------------------===//

FailureOr<Artifact> mlir::moe::compileToArtifact(ModuleOp module,
                                                 const CompileOptions &options,
                                                 StringRef outDir,
                                                 StringRef name) {
  Location loc = module.getLoc();
  MoeToNVVMPipelineOptions pipeline;
  if (failed(parsePipelineOptions(loc, options, pipeline)))
    return failure();
  if (name.empty() || llvm::sys::path::has_parent_path(name))
    return emitError(loc) << "invalid artifact name '" << name << "'";
  if (std::error_code ec = llvm::sys::fs::create_directories(outDir))
    return emitError(loc) << "cannot create the output directory '" << outDir
                          << "': " << ec.message();
  FailureOr<std::string> linker = findLinker(loc, options.linker);
  if (failed(linker))
    return failure();

  auto outPath = [&](StringRef extension) {
    SmallString<128> path(outDir);
    llvm::sys::path::append(path, name + extension);
    return std::string(path);
  };
  Artifact artifact;
  artifact.library = outPath(".so");
  artifact.manifest = outPath(".manifest");

  // Contexts made without registerCompileDialects still compile: the
  // pipeline needs the bufferization models and the LLVM IR translations.
  DialectRegistry registry;
  registerCompileDialects(registry);
  module->getContext()->appendDialectRegistry(registry);

  if (failed(lower(module, options, pipeline, artifact.manifest)))
    return failure();
  if (options.emitLoweredIR) {
    artifact.loweredIR = outPath(".llvm.mlir");
    if (failed(writeModule(module, artifact.loweredIR)))
      return failure();
  }

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext, name);
  if (!llvmModule)
    return emitError(loc) << "cannot translate the lowered module to LLVM IR";

  SmallString<128> object;
  int fd;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueFile(outPath("-%%%%%%.o"), fd, object))
    return emitError(loc) << "cannot create a file in '" << outDir
                          << "': " << ec.message();
  llvm::sys::Process::SafelyCloseFileDescriptor(fd);
  llvm::FileRemover removeObject(object);
  if (failed(emitHostObject(loc, *llvmModule, object)) ||
      failed(linkSharedLibrary(loc, *linker, object, artifact.library, outDir)))
    return failure();
  return artifact;
}
