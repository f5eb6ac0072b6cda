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


class AttentionBf16(torch.nn.Module):
    """Llama's attention block from the normed input to o_proj's output, as the Java forward pass computes it:
    fused q/k/v projection (with bias), rotary positions on q and k (rotate-half layout, cos/sin [b, 1, s, d]),
    key/value heads shared by groups of query heads, scores scaled by 1/sqrt(d) plus the additive bias, softmax
    in float32 (as autocast keeps it), o_proj. heads and kv_heads come as 0-d integer tensors."""

    def forward(self, x: torch.Tensor, qkv_weight: torch.Tensor, qkv_bias: torch.Tensor, o_weight: torch.Tensor,
                cos: torch.Tensor, sin: torch.Tensor, bias: torch.Tensor, heads_t: torch.Tensor,
                kv_heads_t: torch.Tensor) -> torch.Tensor:
        heads = int(heads_t.item())
        kv_heads = int(kv_heads_t.item())
        b = x.shape[0]
        s = x.shape[1]
        d = x.shape[2] // heads
        qkv = F.linear(x.to(torch.bfloat16), qkv_weight.to(torch.bfloat16), qkv_bias.to(torch.bfloat16))
        qk = qkv[..., :(heads + kv_heads) * d].reshape(b, s, heads + kv_heads, d).transpose(1, 2)
        half = d // 2
        rotated = torch.cat((-qk[..., half:], qk[..., :half]), dim=-1)
        qk = qk * cos.to(torch.bfloat16) + rotated * sin.to(torch.bfloat16)
        q = qk[:, :heads]
        k = qk[:, heads:]
        v = qkv[..., (heads + kv_heads) * d:].reshape(b, s, kv_heads, d).transpose(1, 2)
        if kv_heads != heads:
            k = k.repeat_interleave(heads // kv_heads, dim=1)
            v = v.repeat_interleave(heads // kv_heads, dim=1)
        scores = torch.matmul(q * (d ** -0.5), k.transpose(-1, -2)).to(torch.float32) + bias
        probs = torch.softmax(scores, dim=-1).to(torch.bfloat16)
        out = torch.matmul(probs, v).transpose(1, 2).reshape(b, s, heads * d)
        return F.linear(out, o_weight.to(torch.bfloat16)).to(torch.float32)


class CodegenBlockBf16(torch.nn.Module):
    """CodeGen's block without its residual, from ln_1's output: attention (qkv_proj in mp_num = 4 blocks of q, v, k;
    partial rotary over rotary_dim in interleaved pairs, cos [b, s, 1, r] and sin with the pair sign folded in;
    out_proj) plus the parallel MLP (fc_in, gelu_new, fc_out). heads and rotary_dim come as 0-d integer tensors."""

    def forward(self, x: torch.Tensor, qkv_weight: torch.Tensor, out_weight: torch.Tensor, fc_in_weight: torch.Tensor,
                fc_in_bias: torch.Tensor, fc_out_weight: torch.Tensor, fc_out_bias: torch.Tensor, cos: torch.Tensor,
                sin: torch.Tensor, bias: torch.Tensor, heads_t: torch.Tensor, rotary_t: torch.Tensor) -> torch.Tensor:
        heads = int(heads_t.item())
        rotary = int(rotary_t.item())
        b = x.shape[0]
        s = x.shape[1]
        hidden = x.shape[2]
        d = hidden // heads
        xb = x.to(torch.bfloat16)
        qvk = F.linear(xb, qkv_weight.to(torch.bfloat16)).reshape(b, s, 4, 3, hidden // 4)
        q = qvk[:, :, :, 0].reshape(b, s, heads, d)
        v = qvk[:, :, :, 1].reshape(b, s, heads, d)
        k = qvk[:, :, :, 2].reshape(b, s, heads, d)
        cos_b = cos.to(torch.bfloat16)
        sin_b = sin.to(torch.bfloat16)
        q = self.rotate(q, cos_b, sin_b, rotary).transpose(1, 2)
        k = self.rotate(k, cos_b, sin_b, rotary).transpose(1, 2)
        v = v.transpose(1, 2)
        scores = torch.matmul(q * (d ** -0.5), k.transpose(-1, -2)).to(torch.float32) + bias
        probs = torch.softmax(scores, dim=-1).to(torch.bfloat16)
        attended = torch.matmul(probs, v).transpose(1, 2).reshape(b, s, hidden)
        attention = F.linear(attended, out_weight.to(torch.bfloat16))
        inner = F.linear(xb, fc_in_weight.to(torch.bfloat16), fc_in_bias.to(torch.bfloat16))
        mlp = F.linear(F.gelu(inner, approximate="tanh"), fc_out_weight.to(torch.bfloat16), fc_out_bias.to(torch.bfloat16))
        return (attention + mlp).to(torch.float32)

    def rotate(self, t: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, rotary: int) -> torch.Tensor:
        b = t.shape[0]
        s = t.shape[1]
        heads = t.shape[2]
        d = t.shape[3]
        turned = t[..., :rotary]
        swapped = turned.reshape(b, s, heads, rotary // 2, 2).flip(-1).reshape(b, s, heads, rotary)
        rotated = turned * cos + swapped * sin
        if rotary == d:
            return rotated
        return torch.cat((rotated, t[..., rotary:]), dim=-1)


if __name__ == "__main__":
    torch.jit.script(SwiGluBf16()).save("swiglu_bf16.pt")
    torch.jit.script(AttentionBf16()).save("attention_bf16.pt")
    torch.jit.script(CodegenBlockBf16()).save("codegen_block_bf16.pt")
    print("wrote swiglu_bf16.pt, attention_bf16.pt and codegen_block_bf16.pt with torch", torch.__version__)
