//===- Passes.td - Host-side GPU passes of moe ------------*- tablegen -*-===//
//
// Passes on the host code of a lowered layer (after bufferization and
// kernel outlining): device allocations, the stream order of a call, the C
// entry points, tensor maps passed by value and kernels that overlap their
// launch with the kernel before them. They are not conversions
// out of the moe dialect: they rewrite gpu, func, memref and llvm ops.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_TRANSFORMS_PASSES_TD
#define MOE_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def MoeDeviceAllocations : Pass<"moe-device-allocations", "func::FuncOp"> {
  let summary = "Allocate host-side temporaries in GPU memory";
  let description = [{
    After bufferization, every memref a host function touches lives on the
    GPU: its arguments are device buffers and the temporaries bufferization
    created with `memref.alloc` are read and written by kernels only. This
    pass turns each `memref.alloc` (outside GPU code) into `gpu.alloc` and
    frees it with `gpu.dealloc` before every return, so the host code calls
    the runtime's device allocator.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def MoeStreamOrder : Pass<"moe-stream-order", "func::FuncOp"> {
  let summary = "Run a host function's GPU work on one stream, synchronizing "
                "once";
  let description = [{
    Runs after `gpu-kernel-outlining`, in place of upstream
    `gpu-async-region`. In a host function that contains GPU work
    (`gpu.launch_func`, `gpu.alloc`, `gpu.dealloc`, `gpu.memcpy`,
    `gpu.memset`, also inside `scf.if`, `scf.for`, `scf.while`,
    `scf.index_switch` and `scf.execute_region`), it creates one stream token
    at the entry (`gpu.wait async`, which `gpu-to-llvm` lowers to
    `mgpuStreamCreate`) and makes every such op asynchronous with a single
    dependency: the ops at the top level form a chain starting at that
    token, and the ops nested in a region op depend on the chain's token
    before it. Before every `func.return` the host waits once for the
    chain's last token (`gpu.wait`, lowered to `mgpuStreamSynchronize` and
    `mgpuStreamDestroy`). `gpu-to-llvm` maps each op's token to the stream
    of its dependency, so every token of the function is the one stream and
    all the ops go to it in host program order; tokens never cross region
    boundaries (as block arguments they would lower to events). A return
    with no top-level GPU op before it waits on the token of an empty
    `gpu.alloc` instead of the entry token, since the canonicalizer drops a
    wait for a dependency-free `gpu.wait async`.

    Unlike `gpu-async-region`, which synchronizes the host before every op
    with side effects, this needs no host synchronization between kernels,
    so a whole call can be captured in a CUDA graph (with the runtime's
    caller stream, `moeSetCurrentStream`).

    Functions without GPU work are left alone. Anything else it cannot order
    is an error: GPU ops that are already asynchronous and other async GPU
    ops (the function's GPU work must be synchronous), `gpu.wait`,
    `gpu.launch` (outline kernels first), host-shared allocations, GPU ops
    inside other region ops (`scf.parallel`, `scf.forall`, ...), bodies
    left other than through `func.return`, and, since the host never waits
    before the return, calls and host reads or writes of memrefs (other
    than `memref.alloca` and `memref.get_global` ones: every other memref
    of a host function is a device buffer) in a function with GPU work.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def MoeEmitCInterface : Pass<"moe-emit-c-interface", "ModuleOp"> {
  let summary = "Give every public host function a C entry point";
  let description = [{
    Runs after bufferization. Every result of a destination-passing function
    is one of its out arguments, so the entry point returns nothing: results
    that are function arguments are dropped from the signature (any other
    result is an error). Each public `func.func` is then marked with
    `llvm.emit_c_interface`, so the LLVM lowering also emits
    `void _mlir_ciface_<name>(args...)`, taking each memref as a pointer to
    its descriptor: the stable ABI a runner or a serving engine calls
    through `dlsym`.
  }];
}

def MoeTensorMapsByValue : Pass<"moe-tensor-maps-by-value", "ModuleOp"> {
  let summary = "Pass TMA tensor maps to kernels by value";
  let description = [{
    Runs on fully lowered IR (host in the LLVM dialect, kernels as
    `llvm.func` in `gpu.module`s), before `gpu-module-to-binary`. Every
    `gpu.launch_func` operand produced by `mgpuTensorMapEncodeTiledMemref`
    (upstream's host lowering of `nvgpu.tma.create.descriptor`, which
    copies the 128-byte map to device memory and returns its address) is
    passed by value instead: the call becomes one to the runtime's
    `moeTensorMapEncodeTiledMemrefByValue`, which writes the map into a
    64-byte aligned stack slot of the host function (made in its entry
    block); the kernel's parameter becomes a `byval` 128-byte, 64-byte
    aligned `nvvm.grid_constant` parameter (`const __grid_constant__
    CUtensorMap`) and each launch passes the slot's bytes (the driver
    copies parameters at launch time). No allocation on the host or the
    device and no synchronous copy, so the launch can be captured in a
    CUDA graph. Upstream's encoder declaration is removed once unused. A kernel launched from several places must receive a tensor map
    at the same position from all of them; anything else is an error.
  }];
}

def MoeProgrammaticLaunch : Pass<"moe-programmatic-launch", "ModuleOp"> {
  let summary = "Let each kernel's launch overlap the kernel before it "
                "(programmatic dependent launch, sm_90+)";
  let description = [{
    Runs on outlined kernels (`gpu.func` with `gpu.kernel` in
    `gpu.module`s). Every kernel starts with `nvvm.griddepcontrol wait`
    (PTX `griddepcontrol.wait`: wait until the grids this one depends on
    have completed and their memory is visible) followed by
    `nvvm.griddepcontrol launch_dependents` (the next kernel of the stream
    may be scheduled once every block of this one has reached it), and
    each `gpu.module` that holds kernels gets the public marker global
    `__moe_programmatic_launch` (i32 1).

    The runtime launches the kernels of a module with that marker with the
    driver's programmatic stream serialization attribute (unless
    `MOE_PROGRAMMATIC_LAUNCH=0`): the next
    kernel's blocks become resident while this one runs, instead of being
    launched only after it completed, which hides the launch latency
    between the small dependent kernels of a decode-time layer. The wait
    is each kernel's first instruction, executed by every thread before
    any memory access, so every kernel still observes all the memory
    effects of the kernels before it, and a kernel completes only after
    its predecessor did: the stream order is unchanged (a kernel that
    exited before its wait could otherwise let a later one overtake its
    predecessor). Launched without the attribute (other runtimes,
    `MOE_PROGRAMMATIC_LAUNCH=0`), both instructions have no effect.
    `griddepcontrol` needs sm_90 or newer: `moe-to-nvvm` adds this pass
    only for such chips (option `programmatic-launch`).
  }];
  let dependentDialects = ["::mlir::NVVM::NVVMDialect",
                           "::mlir::LLVM::LLVMDialect"];
}

def MoeElideWgmmaFences : Pass<"moe-elide-wgmma-fences", "ModuleOp"> {
  let summary = "Drop the wgmma fences and waits between the K slices of "
                "one accumulator chain";
  let description = [{
    Runs on NVVM-level kernels, after `convert-nvgpu-to-nvvm` and before
    `convert-nvvm-to-llvm` turns the wgmmas into inline assembly. Upstream's `nvgpu.warpgroup.mma` lowering wraps every
    `nvvm.wgmma.mma_async` in `nvvm.wgmma.fence.aligned` ...
    `nvvm.wgmma.commit.group.sync.aligned` + `nvvm.wgmma.wait.group.sync.aligned
    N`, and `convert-moe-tile-to-nvgpu` emits one such op per 16-element K
    slice, so a 64-wide K step of a tile MMA is four fenced, separately
    waited wgmmas. PTX requires the fence only before the first wgmma of a
    chain and after other instructions touched its registers: wgmmas of the
    same shape that accumulate into the result of the one before are
    ordered by the hardware. For each `nvvm.wgmma.mma_async` whose
    accumulator is the result of another of the same shape and types in the
    same block (through the `llvm.insertvalue` / `llvm.extractvalue` of the
    accumulator structs upstream wraps around it), with nothing but
    side-effect-free ops that do not read that accumulator (taking one
    register out of it is a read), commits, fences and waits between them, the fences and waits between the two are erased;
    the commits stay, so every later wait still counts the same groups.
    A chain's first fence, and every fence or wait next to memory
    operations or barriers, are kept.
  }];
  let dependentDialects = ["::mlir::NVVM::NVVMDialect"];
}

#endif // MOE_TRANSFORMS_PASSES_TD
