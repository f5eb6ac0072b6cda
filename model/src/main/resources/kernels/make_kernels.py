#!/usr/bin/env python3
"""Writes the TorchScript kernels of the BF16 compute path (run from this directory with Debian's python3-torch).

DJL's PyTorch binding has no bfloat16 dtype: a bfloat16 NDArray aborts the process. These kernels take float32
tensors, compute in bfloat16 inside TorchScript (oneDNN's AVX-512 BF16 kernels on CPU, tensor cores on GPU) and
return float32, so bfloat16 never crosses the binding. Autograd records through them like any op: the backward
pass runs in bfloat16 too and its gradients arrive in float32. Usage: python3 make_kernels.py
"""
import torch
import torch.nn.functional as F


class SwiGluBf16(torch.nn.Module):
    """Llama's MLP, down(silu(gate(x)) * up(x)), with gate and up fused in one [2I, H] weight."""

    def forward(self, x: torch.Tensor, gate_up: torch.Tensor, down: torch.Tensor) -> torch.Tensor:
        h = F.linear(x.to(torch.bfloat16), gate_up.to(torch.bfloat16))
        intermediate = down.shape[1]
        activated = F.silu(h[..., :intermediate]) * h[..., intermediate:]
        return F.linear(activated, down.to(torch.bfloat16)).to(torch.float32)


if __name__ == "__main__":
    torch.jit.script(SwiGluBf16()).save("swiglu_bf16.pt")
    print("wrote swiglu_bf16.pt with torch", torch.__version__)
