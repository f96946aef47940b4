// moe-to-nvvm opens every kernel with griddepcontrol.wait and
// launch_dependents and marks its module for the runtime (Hopper and
// newer); `programmatic-launch=0` and pre-Hopper chips get neither.
// RUN: moe-opt %s --moe-to-nvvm="chip=sm_90a format=isa" | FileCheck %s --check-prefix=ON
// RUN: moe-opt %s --moe-to-nvvm="chip=sm_90a format=isa programmatic-launch=0" | FileCheck %s --check-prefix=OFF
// RUN: moe-opt %s --moe-to-nvvm="chip=sm_80 format=isa" | FileCheck %s --check-prefix=OFF
// ON-LABEL: gpu.binary
//       ON: .visible .global .align 4 .u32 __moe_programmatic_launch = 1;
//       ON: .entry norm_kernel(
//       ON: griddepcontrol.wait;\0A\09griddepcontrol.launch_dependents;
// OFF-LABEL: gpu.binary
//   OFF-NOT: griddepcontrol
//   OFF-NOT: __moe_programmatic_launch

func.func @norm(%x: tensor<?x64xbf16>, %w: tensor<64xbf16>,
                %o: tensor<?x64xbf16>) -> tensor<?x64xbf16> {
  %y = moe.rms_norm %x, %w epsilon = 1.0e-06 outs(%o)
      : (tensor<?x64xbf16>, tensor<64xbf16>, tensor<?x64xbf16>) -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}
