#!/usr/bin/env python3
"""Independent PyTorch reference implementation of decoder-only LMs.

Follows the math of Hugging Face transformers' modeling code
(modeling_llama.py, modeling_qwen2.py, modeling_gpt2.py, modeling_codegen.py) without depending on
the transformers or safetensors packages. Only torch + the standard library.

Usage:
  python3 torch_reference.py --model DIR --input IN.json --output OUT.json

DIR:     config.json + model.safetensors (or model.safetensors.index.json + shards)
IN.json: {"tokens": [[int, ...], ...], "cache_steps": K}
OUT.json:
  {"logits": [batch][max_len][vocab],        padded batch forward
   "cached_logits": [K][vocab],              row 0, prefill L-K tokens then K single steps
   "loss": float}                            mean causal-LM cross-entropy over real targets
"""

import argparse
import json
import math
import os
import struct
import sys

import torch

# ----------------------------------------------------------------------------
# safetensors reader
# ----------------------------------------------------------------------------

_DTYPES = {
    "F32": (torch.float32, 4),
    "F16": (torch.float16, 2),
    "BF16": (None, 2),
    "F64": (torch.float64, 8),
    "I64": (torch.int64, 8),
    "I32": (torch.int32, 4),
    "I16": (torch.int16, 2),
    "I8": (torch.int8, 1),
    "U8": (torch.uint8, 1),
    "BOOL": (torch.bool, 1),
}


def read_safetensors(path):
    """Return {name: float32 tensor} (non-float tensors keep their dtype)."""
    with open(path, "rb") as f:
        data = f.read()
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_len].decode("utf-8"))
    base = 8 + header_len
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = info["dtype"]
        shape = list(info["shape"])
        start, end = info["data_offsets"]
        raw = bytearray(data[base + start:base + end])
        if dtype not in _DTYPES:
            raise ValueError("unsupported safetensors dtype %s for %s" % (dtype, name))
        tdtype, size = _DTYPES[dtype]
        n = 1
        for s in shape:
            n *= s
        if len(raw) != n * size:
            raise ValueError("bad data length for %s: %d bytes for shape %s %s"
                             % (name, len(raw), shape, dtype))
        if n == 0:
            t = torch.zeros(shape, dtype=torch.float32)
        elif dtype == "BF16":
            # bf16 bits are the high 16 bits of a float32: place them in the upper
            # half of a little-endian 32-bit word (== uint16 << 16) and reinterpret.
            bits = torch.frombuffer(raw, dtype=torch.int16)
            words = torch.zeros((n, 2), dtype=torch.int16)
            words[:, 1] = bits
            t = words.view(torch.float32).reshape(-1)
        else:
            if sys.byteorder != "little":
                raise RuntimeError("big-endian hosts are not supported")
            t = torch.frombuffer(raw, dtype=tdtype).clone()
        t = t.reshape(shape)
        if t.is_floating_point():
            t = t.to(torch.float32)
        out[name] = t
    return out


def load_weights(model_dir):
    single = os.path.join(model_dir, "model.safetensors")
    index = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.exists(single):
        return read_safetensors(single)
    if os.path.exists(index):
        with open(index) as f:
            weight_map = json.load(f)["weight_map"]
        weights = {}
        for shard in sorted(set(weight_map.values())):
            weights.update(read_safetensors(os.path.join(model_dir, shard)))
        return weights
    raise FileNotFoundError("no model.safetensors or model.safetensors.index.json in " + model_dir)


# ----------------------------------------------------------------------------
# common helpers
# ----------------------------------------------------------------------------

NEG = torch.finfo(torch.float32).min


def linear(x, w, b=None):
    """nn.Linear: x @ W^T + b, W is [out, in]."""
    y = torch.matmul(x, w.t())
    if b is not None:
        y = y + b
    return y


def build_mask(q_len, kv_len, past_len, key_mask):
    """Additive mask [B, 1, q_len, kv_len].

    Query i sits at absolute position past_len + i and may see keys j <= past_len + i
    whose key_mask[b, j] == 1.
    """
    q_pos = torch.arange(q_len).unsqueeze(1) + past_len
    k_pos = torch.arange(kv_len).unsqueeze(0)
    allowed = (k_pos <= q_pos).unsqueeze(0).unsqueeze(0)          # [1,1,q,k]
    allowed = allowed & (key_mask[:, None, None, :] > 0)          # [B,1,q,k]
    mask = torch.zeros(allowed.shape, dtype=torch.float32)
    mask = mask.masked_fill(~allowed, NEG)
    return mask


def attention_core(q, k, v, mask, scale):
    """q [B,H,q,D], k/v [B,H,k,D] (already repeated for GQA), mask additive [B,1,q,k]."""
    scores = torch.matmul(q, k.transpose(2, 3)) * scale
    scores = scores + mask
    probs = torch.softmax(scores, dim=-1, dtype=torch.float32)
    return torch.matmul(probs, v)


def act_fn(name):
    name = (name or "silu").lower()
    if name in ("silu", "swish"):
        return torch.nn.functional.silu
    if name in ("gelu_new", "gelu_pytorch_tanh", "gelu_fast"):
        return gelu_new
    if name == "gelu":
        return torch.nn.functional.gelu
    if name == "relu":
        return torch.relu
    raise ValueError("unsupported activation: " + name)


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


# ----------------------------------------------------------------------------
# Llama / Qwen2
# ----------------------------------------------------------------------------

def rms_norm(x, weight, eps):
    x = x.to(torch.float32)
    variance = x.pow(2).mean(-1, keepdim=True)
    x = x * torch.rsqrt(variance + eps)
    return weight * x


def rotate_half(x):
    half = x.shape[-1] // 2
    x1 = x[..., :half]
    x2 = x[..., half:]
    return torch.cat((-x2, x1), dim=-1)


def repeat_kv(x, n_rep):
    """[B, KV, S, D] -> [B, KV*n_rep, S, D] (each kv head repeated n_rep times consecutively)."""
    if n_rep == 1:
        return x
    b, kv, s, d = x.shape
    x = x[:, :, None, :, :].expand(b, kv, n_rep, s, d)
    return x.reshape(b, kv * n_rep, s, d)


class LlamaLike:
    def __init__(self, cfg, weights, model_type):
        self.cfg = cfg
        self.w = weights
        self.vocab = cfg["vocab_size"]
        self.hidden = cfg["hidden_size"]
        self.n_layers = cfg["num_hidden_layers"]
        self.n_heads = cfg["num_attention_heads"]
        kv = cfg.get("num_key_value_heads")
        self.n_kv = kv if kv is not None else self.n_heads
        hd = cfg.get("head_dim")
        self.head_dim = hd if hd is not None else self.hidden // self.n_heads
        self.eps = cfg.get("rms_norm_eps", 1e-6)
        theta = cfg.get("rope_theta")
        self.theta = float(theta) if theta is not None else 10000.0
        rs = cfg.get("rope_scaling")
        if rs not in (None, {}):
            rtype = rs.get("rope_type", rs.get("type"))
            if rtype not in (None, "default"):
                raise ValueError("rope_scaling %r not supported by the reference" % (rs,))
        self.act = act_fn(cfg.get("hidden_act", "silu"))
        self.scale = self.head_dim ** -0.5
        self.tied = bool(cfg.get("tie_word_embeddings", False))
        if model_type == "qwen2":
            self.qkv_bias = True
        else:
            self.qkv_bias = bool(cfg.get("attention_bias", False))
        self.o_bias = model_type == "llama" and bool(cfg.get("attention_bias", False))
        self.mlp_bias = model_type == "llama" and bool(cfg.get("mlp_bias", False))
        self.embed = weights["model.embed_tokens.weight"]
        if "lm_head.weight" in weights and not self.tied:
            self.lm_head = weights["lm_head.weight"]
        elif "lm_head.weight" in weights and self.tied:
            self.lm_head = weights["lm_head.weight"]  # identical to embed when tied
        else:
            self.lm_head = self.embed
        # inv_freq exactly as HF default rope init
        self.inv_freq = 1.0 / (self.theta ** (
            torch.arange(0, self.head_dim, 2, dtype=torch.int64).float() / self.head_dim))

    def _p(self, name):
        return self.w.get(name)

    def rope(self, positions):
        """positions: [B, S] int64 -> cos, sin [B, S, head_dim]."""
        inv = self.inv_freq[None, :, None].float().expand(positions.shape[0], -1, 1)
        pos = positions[:, None, :].float()
        freqs = torch.matmul(inv, pos).transpose(1, 2)
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos(), emb.sin()

    def attention(self, i, x, cos, sin, mask, cache):
        pre = "model.layers.%d.self_attn." % i
        b, s, _ = x.shape
        q = linear(x, self.w[pre + "q_proj.weight"], self._p(pre + "q_proj.bias") if self.qkv_bias else None)
        k = linear(x, self.w[pre + "k_proj.weight"], self._p(pre + "k_proj.bias") if self.qkv_bias else None)
        v = linear(x, self.w[pre + "v_proj.weight"], self._p(pre + "v_proj.bias") if self.qkv_bias else None)
        q = q.view(b, s, self.n_heads, self.head_dim).transpose(1, 2)
        k = k.view(b, s, self.n_kv, self.head_dim).transpose(1, 2)
        v = v.view(b, s, self.n_kv, self.head_dim).transpose(1, 2)
        c = cos.unsqueeze(1)
        sn = sin.unsqueeze(1)
        q = q * c + rotate_half(q) * sn
        k = k * c + rotate_half(k) * sn
        if cache is not None:
            if i in cache:
                pk, pv = cache[i]
                k = torch.cat([pk, k], dim=2)
                v = torch.cat([pv, v], dim=2)
            cache[i] = (k, v)
        n_rep = self.n_heads // self.n_kv
        k = repeat_kv(k, n_rep)
        v = repeat_kv(v, n_rep)
        out = attention_core(q, k, v, mask, self.scale)
        out = out.transpose(1, 2).reshape(b, s, self.n_heads * self.head_dim)
        return linear(out, self.w[pre + "o_proj.weight"], self._p(pre + "o_proj.bias") if self.o_bias else None)

    def mlp(self, i, x):
        pre = "model.layers.%d.mlp." % i
        g = linear(x, self.w[pre + "gate_proj.weight"], self._p(pre + "gate_proj.bias") if self.mlp_bias else None)
        u = linear(x, self.w[pre + "up_proj.weight"], self._p(pre + "up_proj.bias") if self.mlp_bias else None)
        return linear(self.act(g) * u, self.w[pre + "down_proj.weight"],
                      self._p(pre + "down_proj.bias") if self.mlp_bias else None)

    def forward(self, tokens, key_mask, past_len=0, cache=None):
        """tokens [B, S]; key_mask [B, past_len + S]; returns logits [B, S, V]."""
        b, s = tokens.shape
        h = self.embed[tokens]
        positions = (torch.arange(s) + past_len).unsqueeze(0).expand(b, s)
        cos, sin = self.rope(positions)
        mask = build_mask(s, past_len + s, past_len, key_mask)
        for i in range(self.n_layers):
            pre = "model.layers.%d." % i
            r = h
            h = rms_norm(h, self.w[pre + "input_layernorm.weight"], self.eps)
            h = r + self.attention(i, h, cos, sin, mask, cache)
            r = h
            h = rms_norm(h, self.w[pre + "post_attention_layernorm.weight"], self.eps)
            h = r + self.mlp(i, h)
        h = rms_norm(h, self.w["model.norm.weight"], self.eps)
        return linear(h, self.lm_head)


# ----------------------------------------------------------------------------
# GPT-2
# ----------------------------------------------------------------------------

class GPT2:
    def __init__(self, cfg, weights):
        self.cfg = cfg
        w = {}
        for name, t in weights.items():
            if name.startswith("transformer."):
                name = name[len("transformer."):]
            w[name] = t
        self.w = w
        self.hidden = cfg.get("n_embd", cfg.get("hidden_size"))
        self.n_layers = cfg.get("n_layer", cfg.get("num_hidden_layers"))
        self.n_heads = cfg.get("n_head", cfg.get("num_attention_heads"))
        self.n_positions = cfg.get("n_positions", 1024)
        self.vocab = cfg["vocab_size"]
        self.eps = cfg.get("layer_norm_epsilon", 1e-5)
        self.head_dim = self.hidden // self.n_heads
        self.act = act_fn(cfg.get("activation_function", "gelu_new"))
        self.scale_attn_weights = cfg.get("scale_attn_weights", True)
        self.scale_by_layer = cfg.get("scale_attn_by_inverse_layer_idx", False)
        self.wte = w["wte.weight"]
        self.wpe = w["wpe.weight"]
        tied = cfg.get("tie_word_embeddings", True)
        if not tied and "lm_head.weight" in w:
            self.lm_head = w["lm_head.weight"]
        else:
            self.lm_head = self.wte

    def ln(self, x, name):
        return torch.nn.functional.layer_norm(
            x, (self.hidden,), self.w[name + ".weight"], self.w[name + ".bias"], self.eps)

    def conv1d(self, x, name):
        # Conv1D: weight [in, out]
        return torch.addmm(self.w[name + ".bias"], x.reshape(-1, x.shape[-1]),
                           self.w[name + ".weight"]).view(*x.shape[:-1], -1)

    def attention(self, i, x, mask, cache):
        pre = "h.%d.attn." % i
        b, s, _ = x.shape
        qkv = self.conv1d(x, pre + "c_attn")
        q, k, v = qkv.split(self.hidden, dim=2)
        q = q.view(b, s, self.n_heads, self.head_dim).transpose(1, 2)
        k = k.view(b, s, self.n_heads, self.head_dim).transpose(1, 2)
        v = v.view(b, s, self.n_heads, self.head_dim).transpose(1, 2)
        if cache is not None:
            if i in cache:
                pk, pv = cache[i]
                k = torch.cat([pk, k], dim=2)
                v = torch.cat([pv, v], dim=2)
            cache[i] = (k, v)
        scale = 1.0
        if self.scale_attn_weights:
            scale = scale / (self.head_dim ** 0.5)
        if self.scale_by_layer:
            scale = scale / float(i + 1)
        out = attention_core(q, k, v, mask, scale)
        out = out.transpose(1, 2).reshape(b, s, self.hidden)
        return self.conv1d(out, pre + "c_proj")

    def forward(self, tokens, key_mask, past_len=0, cache=None):
        b, s = tokens.shape
        if past_len + s > self.n_positions:
            raise ValueError("sequence longer than n_positions")
        positions = (torch.arange(s) + past_len).unsqueeze(0).expand(b, s)
        h = self.wte[tokens] + self.wpe[positions]
        mask = build_mask(s, past_len + s, past_len, key_mask)
        for i in range(self.n_layers):
            pre = "h.%d." % i
            r = h
            h = r + self.attention(i, self.ln(h, pre + "ln_1"), mask, cache)
            r = h
            m = self.conv1d(self.ln(h, pre + "ln_2"), pre + "mlp.c_fc")
            m = self.conv1d(self.act(m), pre + "mlp.c_proj")
            h = r + m
        h = self.ln(h, "ln_f")
        return linear(h, self.lm_head)



# ----------------------------------------------------------------------------
# CodeGen (modeling_codegen.py; GPT-J's block with mp_num = 4 fused qkv)
# ----------------------------------------------------------------------------

def create_sinusoidal_positions(num_pos, dim):
    inv_freq = 1.0 / (10000 ** (torch.arange(0, dim, 2, dtype=torch.int64) / dim))
    sinusoid_inp = torch.einsum("i , j -> i j", torch.arange(num_pos, dtype=torch.int64).float(), inv_freq).float()
    return torch.cat((torch.sin(sinusoid_inp), torch.cos(sinusoid_inp)), dim=1)


def rotate_every_two(x):
    x1 = x[:, :, :, ::2]
    x2 = x[:, :, :, 1::2]
    x = torch.stack((-x2, x1), dim=-1)
    return x.flatten(-2)


def apply_rotary_pos_emb(tensor, sin, cos):
    sin = torch.repeat_interleave(sin[:, :, None, :], 2, 3)
    cos = torch.repeat_interleave(cos[:, :, None, :], 2, 3)
    return (tensor * cos) + (rotate_every_two(tensor) * sin)


class CodeGen:
    MP_NUM = 4

    def __init__(self, cfg, weights):
        self.cfg = cfg
        self.w = weights
        self.hidden = cfg["n_embd"]
        self.n_layers = cfg["n_layer"]
        self.n_heads = cfg["n_head"]
        self.head_dim = self.hidden // self.n_heads
        self.rotary_dim = cfg.get("rotary_dim", 64)
        self.eps = cfg.get("layer_norm_epsilon", 1e-5)
        self.act = act_fn(cfg.get("activation_function", "gelu_new"))
        self.scale_attn = math.sqrt(self.head_dim)
        n_positions = cfg.get("n_positions", 2048)
        self.embed_positions = create_sinusoidal_positions(n_positions, self.rotary_dim or self.hidden)

    def ln(self, x, name):
        return torch.nn.functional.layer_norm(
            x, (self.hidden,), self.w[name + ".weight"], self.w[name + ".bias"], self.eps)

    def split_heads(self, x):
        reshaped = x.reshape(x.shape[:-1] + (self.n_heads // self.MP_NUM, self.head_dim))
        return reshaped.reshape(x.shape[:-2] + (-1,) + reshaped.shape[-1:])

    def attention(self, i, x, position_ids, mask, cache):
        pre = "transformer.h.%d.attn." % i
        qkv = linear(x, self.w[pre + "qkv_proj.weight"])
        qkv_split = qkv.reshape(qkv.shape[:-1] + (self.MP_NUM, -1))
        local_dim = self.head_dim * self.n_heads // self.MP_NUM
        query, value, key = torch.split(qkv_split, local_dim, dim=-1)
        query = self.split_heads(query)
        key = self.split_heads(key)
        value = self.split_heads(value).permute(0, 2, 1, 3)
        sincos = self.embed_positions[position_ids]
        sin, cos = torch.split(sincos, sincos.shape[-1] // 2, dim=-1)
        if self.rotary_dim is not None:
            k_rot = apply_rotary_pos_emb(key[:, :, :, :self.rotary_dim], sin, cos)
            q_rot = apply_rotary_pos_emb(query[:, :, :, :self.rotary_dim], sin, cos)
            key = torch.cat([k_rot, key[:, :, :, self.rotary_dim:]], dim=-1)
            query = torch.cat([q_rot, query[:, :, :, self.rotary_dim:]], dim=-1)
        else:
            key = apply_rotary_pos_emb(key, sin, cos)
            query = apply_rotary_pos_emb(query, sin, cos)
        key = key.permute(0, 2, 1, 3)
        query = query.permute(0, 2, 1, 3)
        if cache is not None:
            if i in cache:
                pk, pv = cache[i]
                key = torch.cat([pk, key], dim=2)
                value = torch.cat([pv, value], dim=2)
            cache[i] = (key, value)
        weights = torch.matmul(query, key.transpose(-1, -2)) + mask
        weights = torch.softmax(weights / self.scale_attn, dim=-1)
        out = torch.matmul(weights, value)
        b, h, s, d = out.shape
        out = out.permute(0, 2, 1, 3).reshape(b, s, h * d)
        return linear(out, self.w[pre + "out_proj.weight"])

    def mlp(self, i, x):
        pre = "transformer.h.%d.mlp." % i
        x = linear(x, self.w[pre + "fc_in.weight"], self.w[pre + "fc_in.bias"])
        return linear(self.act(x), self.w[pre + "fc_out.weight"], self.w[pre + "fc_out.bias"])

    def forward(self, tokens, key_mask, past_len=0, cache=None):
        b, s = tokens.shape
        h = self.w["transformer.wte.weight"][tokens]
        positions = (torch.arange(s) + past_len).unsqueeze(0).expand(b, s)
        mask = build_mask(s, past_len + s, past_len, key_mask)
        for i in range(self.n_layers):
            residual = h
            x = self.ln(h, "transformer.h.%d.ln_1" % i)
            h = self.attention(i, x, positions, mask, cache) + self.mlp(i, x) + residual
        h = self.ln(h, "transformer.ln_f")
        return linear(h, self.w["lm_head.weight"], self.w["lm_head.bias"])

# ----------------------------------------------------------------------------
# driver
# ----------------------------------------------------------------------------

def build_model(model_dir):
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    model_type = cfg.get("model_type")
    if model_type in ("llama", "qwen2"):
        return LlamaLike(cfg, load_weights(model_dir), model_type)
    if model_type == "gpt2":
        return GPT2(cfg, load_weights(model_dir))
    if model_type == "codegen":
        return CodeGen(cfg, load_weights(model_dir))
    raise SystemExit("error: unsupported model_type: %r" % (model_type,))


def causal_lm_loss(logits, tokens, mask):
    """HF: labels = input_ids with pads -> -100; shift; mean CE over non-ignored."""
    labels = tokens.clone()
    labels[mask == 0] = -100
    shift_logits = logits[:, :-1, :].reshape(-1, logits.shape[-1]).float()
    shift_labels = labels[:, 1:].reshape(-1)
    return torch.nn.functional.cross_entropy(shift_logits, shift_labels, ignore_index=-100, reduction="mean")


def run(model, rows, cache_steps):
    batch = len(rows)
    max_len = max(len(r) for r in rows)
    tokens = torch.zeros((batch, max_len), dtype=torch.int64)
    mask = torch.zeros((batch, max_len), dtype=torch.int64)
    for bi, r in enumerate(rows):
        if len(r) == 0:
            raise ValueError("empty token row")
        tokens[bi, :len(r)] = torch.tensor(r, dtype=torch.int64)
        mask[bi, :len(r)] = 1
    logits = model.forward(tokens, mask)
    loss = causal_lm_loss(logits, tokens, mask)

    cached = []
    row0 = rows[0]
    L = len(row0)
    K = int(cache_steps or 0)
    if K > 0:
        if K >= L:
            raise ValueError("cache_steps must be < len(tokens[0])")
        cache = {}
        prefill = torch.tensor([row0[:L - K]], dtype=torch.int64)
        model.forward(prefill, torch.ones((1, L - K), dtype=torch.int64), past_len=0, cache=cache)
        past = L - K
        for t in range(L - K, L):
            step = torch.tensor([[row0[t]]], dtype=torch.int64)
            out = model.forward(step, torch.ones((1, past + 1), dtype=torch.int64), past_len=past, cache=cache)
            cached.append(out[0, -1])
            past += 1
    return logits, cached, loss


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--input", required=True)
    ap.add_argument("--output", required=True)
    args = ap.parse_args(argv)

    torch.set_num_threads(1)
    torch.manual_seed(0)
    with open(args.input) as f:
        inp = json.load(f)
    model = build_model(args.model)
    with torch.no_grad():
        logits, cached, loss = run(model, inp["tokens"], inp.get("cache_steps", 0))
    result = {
        "logits": logits.tolist(),
        "cached_logits": [c.tolist() for c in cached],
        "loss": float(loss.item()),
    }
    with open(args.output, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
