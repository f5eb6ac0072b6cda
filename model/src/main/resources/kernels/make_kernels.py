#!/usr/bin/env python3
"""Writes the TorchScript kernels of the BF16 compute path (run from this directory with Debian's python3-torch).

DJL's PyTorch binding has no bfloat16 dtype: a bfloat16 NDArray aborts the process. These kernels take float32
tensors, compute in bfloat16 inside TorchScript (oneDNN's AVX-512 BF16 kernels on CPU, tensor cores on GPU) and
return float32, so bfloat16 never crosses the binding. Autograd records through them like any op: the backward
pass runs in bfloat16 too and its gradients arrive in float32. Usage: python3 make_kernels.py
"""
from typing import List

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


def column_bias(bias: torch.Tensor, total: int, width: int) -> torch.Tensor:
    """The additive attention bias over all `width` columns of the KV cache's arrays (both decode kernels, once per
    call): `bias` [b or 1, 1, s, total] (or empty: nothing masked) with the columns past `total`, allocated but not yet
    written, masked (by Ops.MASKED, an additive bias no score survives). Empty when nothing is."""
    masked = -1e9
    if width == total:
        return bias
    if bias.numel() > 0:
        return F.pad(bias, [0, width - total], value=masked)
    return (torch.arange(width, device=bias.device) >= total).to(torch.float32) * masked


def attend_cached(out: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, keys: torch.Tensor, values: torch.Tensor,
                  bias: torch.Tensor, length: int, heads: int, kv_heads: int) -> torch.Tensor:
    """One layer's attention in a decode step (both decode kernels). out [b, s, ...] is the projection's output, per
    head [q | k | v | rotated q | rotated k] (rotated: Llama's rotate_half, CodeGen's pair swap, the sign in the sin
    table), so rotary is out * cos + rotated * sin. k and v go into the float32 cache [b, kv_heads, width, d] at
    length..length+s; q attends over all `width` columns plus the additive bias (column_bias: it masks the columns not
    yet written; empty when there are none and nothing else is masked). Reading whole arrays is one contiguous block per
    row and head, which bmm reads at twice the speed of a prefix of longer arrays (the cache grows its arrays 16 columns
    at a time, so at most 15 are read in vain). Returns [b, s, heads * d] in bfloat16. Ops cost a fixed few microseconds
    whatever their size, which at one token per row is most of the time: hence narrow() over slicing (one op, not one
    per axis) and bmm on 3-d views."""
    b = out.shape[0]
    s = out.shape[1]
    d = cos.shape[-1]
    width = keys.shape[2]
    group = heads // kv_heads
    qk_heads = heads + kv_heads
    qk_width = qk_heads * d
    kv_width = kv_heads * d
    qk = out.narrow(-1, 0, qk_width).view(b, s, qk_heads, d) * cos \
        + out.narrow(-1, qk_width + kv_width, qk_width).view(b, s, qk_heads, d) * sin
    keys.narrow(2, length, s).copy_(qk.narrow(2, heads, kv_heads).transpose(1, 2))
    values.narrow(2, length, s).copy_(out.narrow(-1, qk_width, kv_width).view(b, s, kv_heads, d).transpose(1, 2))
    q = qk.narrow(2, 0, heads).transpose(1, 2).reshape(b * kv_heads, group * s, d)
    scores = torch.bmm(q, keys.view(b * kv_heads, width, d).transpose(1, 2))
    if bias.numel() > 0:
        scores = (scores.view(b, heads, s, width) + bias).view(b * kv_heads, group * s, width)
    probs = torch.softmax(scores, dim=-1)
    attended = torch.bmm(probs, values.view(b * kv_heads, width, d))
    return attended.view(b, heads, s, d).transpose(1, 2).reshape(b, s, heads * d).to(torch.bfloat16)


class LlamaDecodeBf16(torch.nn.Module):
    """Llama's whole forward pass for generation in one call, on the folded weights of the Java LlamaDecoder cast to
    bfloat16 once per sampler: per layer [q/k/v/rotated-q/rotated-k projection with the input norm and 1/sqrt(d)
    folded in, its bias (empty where none), o_proj, gate_up with the post-attention norm folded in, down_proj], then
    the head with the final norm folded in. The embedding and the rotary tables stay float32; so do the residual
    stream, the norms, the softmax and the KV cache (float32 [b, kv_heads, width, d] per layer, written in place
    at length..length+s), where attention runs. Returns the last position's logits [b, vocab] in float32. The norm
    comes from one reduction, and no explicit cast is written where type promotion does the same (bfloat16 +
    float32 is float32): each op costs a fixed few microseconds."""

    def forward(self, weights: List[torch.Tensor], caches: List[torch.Tensor], embedding: torch.Tensor,
                cos_table: torch.Tensor, sin_table: torch.Tensor, tokens: torch.Tensor, positions: torch.Tensor,
                bias: torch.Tensor, length: int, heads: int, kv_heads: int, eps: float) -> torch.Tensor:
        layers = len(caches) // 2
        hidden = embedding.shape[1]
        root = float(hidden) ** 0.5
        cos = F.embedding(positions, cos_table).unsqueeze(2)
        sin = F.embedding(positions, sin_table).unsqueeze(2)
        x = F.embedding(tokens, embedding)
        bias = column_bias(bias, length + tokens.shape[1], caches[0].shape[2])
        for i in range(layers):
            w = weights[i * 5:i * 5 + 5]
            # RMSNorm: x / sqrt(mean(x^2) + eps) = x * root / sqrt(|x|^2 + eps * hidden)
            h = (x * (root * torch.rsqrt(torch.linalg.vector_norm(x, 2, -1, True).square() + eps * hidden))).to(torch.bfloat16)
            if w[1].numel() > 0:
                out = F.linear(h, w[0], w[1])
            else:
                out = F.linear(h, w[0])
            attended = attend_cached(out, cos, sin, caches[2 * i], caches[2 * i + 1], bias, length, heads, kv_heads)
            x = x + F.linear(attended, w[2])
            h = (x * (root * torch.rsqrt(torch.linalg.vector_norm(x, 2, -1, True).square() + eps * hidden))).to(torch.bfloat16)
            gate_up = F.linear(h, w[3])
            intermediate = w[4].shape[1]
            x = x + F.linear(F.silu(gate_up.narrow(-1, 0, intermediate)) * gate_up.narrow(-1, intermediate, intermediate), w[4])
        last = x.select(1, x.shape[1] - 1)
        h = (last * (root * torch.rsqrt(torch.linalg.vector_norm(last, 2, -1, True).square() + eps * hidden))).to(torch.bfloat16)
        return F.linear(h, weights[layers * 5]).to(torch.float32)


class CodegenDecodeBf16(torch.nn.Module):
    """CodeGen's whole forward pass for generation in one call, as LlamaDecodeBf16 but for CodeGen's block: attention
    and the MLP in parallel from one LayerNorm, whose affine part is folded into the projections that read it. Weights
    per layer [q/k/v/swapped-q/swapped-k projection (rows reordered out of CodeGen's mp_num blocks, 1/sqrt(d) in q,
    ln_1's gain folded in), its bias (ln_1's bias through the projection), out_proj, fc_in and its bias (ln_1 folded
    in), fc_out and its bias], then lm_head and its bias with ln_f folded in. The rotary tables span the whole head
    (cos 1 and sin 0 past rotary_dim, sin signed for CodeGen's pair swap), so partial rotary is the same two
    multiplies. Residual stream, norms, softmax, attention and the float32 KV cache as in LlamaDecodeBf16."""

    def forward(self, weights: List[torch.Tensor], caches: List[torch.Tensor], embedding: torch.Tensor,
                cos_table: torch.Tensor, sin_table: torch.Tensor, tokens: torch.Tensor, positions: torch.Tensor,
                bias: torch.Tensor, length: int, heads: int, kv_heads: int, eps: float) -> torch.Tensor:
        layers = len(caches) // 2
        hidden = embedding.shape[1]
        cos = F.embedding(positions, cos_table).unsqueeze(2)
        sin = F.embedding(positions, sin_table).unsqueeze(2)
        x = F.embedding(tokens, embedding)
        bias = column_bias(bias, length + tokens.shape[1], caches[0].shape[2])
        for i in range(layers):
            w = weights[i * 7:i * 7 + 7]
            h = F.layer_norm(x, [hidden], None, None, eps).to(torch.bfloat16)
            attended = attend_cached(F.linear(h, w[0], w[1]), cos, sin, caches[2 * i], caches[2 * i + 1], bias, length,
                                     heads, kv_heads)
            mlp = F.linear(F.gelu(F.linear(h, w[3], w[4]), approximate="tanh"), w[5], w[6])
            x = x + F.linear(attended, w[2]) + mlp
        last = x.select(1, x.shape[1] - 1)
        h = F.layer_norm(last, [hidden], None, None, eps).to(torch.bfloat16)
        return F.linear(h, weights[layers * 7], weights[layers * 7 + 1]).to(torch.float32)


class AppendBf16(torch.nn.Module):
    """done + more cast to bfloat16: builds the decode kernel's weight list a layer at a time, so the float32 folded
    copy of only one layer exists at once. The list lives in native memory as it is (DJL holds no bfloat16)."""

    def forward(self, done: List[torch.Tensor], more: List[torch.Tensor]) -> List[torch.Tensor]:
        return done + [t.to(torch.bfloat16) for t in more]


class KvRows(torch.nn.Module):
    """Continuous batching's admission in one call: rows of a freshly prefilled KV cache (every layer's keys and values,
    [n, kvHeads, width, d]) copied into rows `rows` of the batch's cache at columns to..to+width, in place."""

    def forward(self, cache: List[torch.Tensor], fresh: List[torch.Tensor], rows: torch.Tensor, to: int) -> int:
        width = fresh[0].shape[2]
        for i in range(len(cache)):
            cache[i].narrow(2, to, width).index_copy_(0, rows, fresh[i])
        return width


if __name__ == "__main__":
    torch.jit.script(SwiGluBf16()).save("swiglu_bf16.pt")
    torch.jit.script(AttentionBf16()).save("attention_bf16.pt")
    torch.jit.script(CodegenBlockBf16()).save("codegen_block_bf16.pt")
    torch.jit.script(LlamaDecodeBf16()).save("llama_decode_bf16.pt")
    torch.jit.script(CodegenDecodeBf16()).save("codegen_decode_bf16.pt")
    torch.jit.script(AppendBf16()).save("append_bf16.pt")
    torch.jit.script(KvRows()).save("kv_rows.pt")
    print("wrote the kernels with torch", torch.__version__)
