#!/usr/bin/env python3
"""PyTorch eager baseline for the DJL Llama-style model benchmark.

A small Llama-style decoder written plainly like Hugging Face's modeling_llama
(token embedding, N x [RMSNorm -> q/k/v/o attention with rotary embeddings ->
RMSNorm -> SwiGLU MLP], final RMSNorm, untied lm_head), random init (normal
0.02), float32, measured on the CPU in eager mode (torch 1.13: no
scaled_dot_product_attention, no nn.RMSNorm, no torch.compile).

Measures
  1. training tokens/s: AdamW(lr 1e-3, wd 0.01), causal LM loss, backward,
     clip_grad_norm_(1.0), step, zero_grad(set_to_none=True);
  2. sampling tokens/s with a KV cache (new tokens only), two cache forms:
       preallocated [batch, kv_heads, max_len, head_dim] per layer, written in
       place, attention over the filled prefix;
       concatenating (torch.cat per step);
     the faster of the two is reported as "sampling_tokens_per_second".

Threads are not chosen here: torch reads OMP_NUM_THREADS (and OpenBLAS reads
OPENBLAS_NUM_THREADS) at import, and the caller sets them, e.g.
  OMP_NUM_THREADS=2 python3 torch_bench.py
  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=2 python3 torch_bench.py

Prints exactly one JSON line on stdout; progress goes to stderr.
"""

import argparse
import ctypes
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


# ----------------------------------------------------------------------------
# model
# ----------------------------------------------------------------------------

class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def apply_rotary(x, cos, sin):
    """x [B, H, S, D]; cos/sin [S, D] (broadcast over batch and heads)."""
    return x * cos + rotate_half(x) * sin


def repeat_kv(x, n_rep):
    if n_rep == 1:
        return x
    b, kv, s, d = x.shape
    return x[:, :, None, :, :].expand(b, kv, n_rep, s, d).reshape(b, kv * n_rep, s, d)


class Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.n_heads = cfg.n_heads
        self.n_kv = cfg.n_kv_heads
        self.head_dim = cfg.hidden // cfg.n_heads
        self.n_rep = self.n_heads // self.n_kv
        self.scale = 1.0 / math.sqrt(self.head_dim)
        self.q_proj = nn.Linear(cfg.hidden, self.n_heads * self.head_dim, bias=False)
        self.k_proj = nn.Linear(cfg.hidden, self.n_kv * self.head_dim, bias=False)
        self.v_proj = nn.Linear(cfg.hidden, self.n_kv * self.head_dim, bias=False)
        self.o_proj = nn.Linear(self.n_heads * self.head_dim, cfg.hidden, bias=False)

    def _qkv(self, x, cos, sin):
        b, s, _ = x.shape
        q = self.q_proj(x).view(b, s, self.n_heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, s, self.n_kv, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, s, self.n_kv, self.head_dim).transpose(1, 2)
        return apply_rotary(q, cos, sin), apply_rotary(k, cos, sin), v

    def _attend(self, q, k, v, mask):
        """HF: softmax(q k^T / sqrt(d) + mask) v, q [B, H, Sq, D], k/v [B, H, Sk, D].

        With a mask (training, prefill) the scale and the additive mask are folded
        into the matmul with baddbmm (mask + scale * q k^T in one BLAS call, and no
        extra [B, H, Sq, Sk] passes forward or backward). A single query (a cached
        decoding step) sees the whole prefix and needs no mask.
        """
        if mask is None:
            scores = torch.matmul(q, k.transpose(2, 3)) * self.scale
        else:
            b, h, sq, d = q.shape
            sk = k.shape[2]
            scores = torch.baddbmm(mask[0], q.reshape(b * h, sq, d),
                                   k.reshape(b * h, sk, d).transpose(1, 2),
                                   alpha=self.scale).view(b, h, sq, sk)
        probs = torch.softmax(scores, dim=-1)
        return torch.matmul(probs, v)

    def _out(self, attn, b, s):
        return self.o_proj(attn.transpose(1, 2).reshape(b, s, self.n_heads * self.head_dim))

    def forward(self, x, cos, sin, mask):
        """Full-sequence (training / no cache)."""
        b, s, _ = x.shape
        q, k, v = self._qkv(x, cos, sin)
        attn = self._attend(q, repeat_kv(k, self.n_rep), repeat_kv(v, self.n_rep), mask)
        return self._out(attn, b, s)

    def forward_prealloc(self, x, cos, sin, mask, k_cache, v_cache, pos):
        """Write k/v into the preallocated cache at [pos, pos+s) and attend over [0, pos+s)."""
        b, s, _ = x.shape
        q, k, v = self._qkv(x, cos, sin)
        end = pos + s
        k_cache[:, :, pos:end] = k
        v_cache[:, :, pos:end] = v
        k_all = repeat_kv(k_cache[:, :, :end], self.n_rep)
        v_all = repeat_kv(v_cache[:, :, :end], self.n_rep)
        attn = self._attend(q, k_all, v_all, mask)
        return self._out(attn, b, s)

    def forward_concat(self, x, cos, sin, mask, past):
        """Concatenating cache: past is None or (k, v) [B, KV, P, D]; returns new (k, v)."""
        b, s, _ = x.shape
        q, k, v = self._qkv(x, cos, sin)
        if past is not None:
            k = torch.cat((past[0], k), dim=2)
            v = torch.cat((past[1], v), dim=2)
        attn = self._attend(q, repeat_kv(k, self.n_rep), repeat_kv(v, self.n_rep), mask)
        return self._out(attn, b, s), (k, v)


class MLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.gate_proj = nn.Linear(cfg.hidden, cfg.intermediate, bias=False)
        self.up_proj = nn.Linear(cfg.hidden, cfg.intermediate, bias=False)
        self.down_proj = nn.Linear(cfg.intermediate, cfg.hidden, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.input_layernorm = RMSNorm(cfg.hidden, cfg.eps)
        self.self_attn = Attention(cfg)
        self.post_attention_layernorm = RMSNorm(cfg.hidden, cfg.eps)
        self.mlp = MLP(cfg)

    def forward(self, x, cos, sin, mask):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask)
        return x + self.mlp(self.post_attention_layernorm(x))

    def forward_prealloc(self, x, cos, sin, mask, k_cache, v_cache, pos):
        x = x + self.self_attn.forward_prealloc(self.input_layernorm(x), cos, sin, mask,
                                                k_cache, v_cache, pos)
        return x + self.mlp(self.post_attention_layernorm(x))

    def forward_concat(self, x, cos, sin, mask, past):
        h, present = self.self_attn.forward_concat(self.input_layernorm(x), cos, sin, mask, past)
        x = x + h
        return x + self.mlp(self.post_attention_layernorm(x)), present


class Config:
    def __init__(self, args):
        self.vocab = args.vocab
        self.hidden = args.hidden
        self.n_layers = args.layers
        self.n_heads = args.heads
        self.n_kv_heads = args.kv_heads
        self.intermediate = args.intermediate
        self.eps = args.eps
        self.theta = args.rope_theta
        self.max_pos = args.max_positions


class LlamaLM(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.embed_tokens = nn.Embedding(cfg.vocab, cfg.hidden)
        self.layers = nn.ModuleList([DecoderLayer(cfg) for _ in range(cfg.n_layers)])
        self.norm = RMSNorm(cfg.hidden, cfg.eps)
        self.lm_head = nn.Linear(cfg.hidden, cfg.vocab, bias=False)
        head_dim = cfg.hidden // cfg.n_heads
        inv_freq = 1.0 / (cfg.theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
        t = torch.arange(cfg.max_pos, dtype=torch.float32)
        freqs = torch.outer(t, inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        self.register_buffer("cos_cached", emb.cos(), persistent=False)
        self.register_buffer("sin_cached", emb.sin(), persistent=False)
        self._mask_cache = {}
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def causal_mask(self, q_len, past_len=0):
        """Additive mask [1, 1, q_len, past_len + q_len] (0 allowed, finfo.min masked); cached."""
        key = (q_len, past_len)
        mask = self._mask_cache.get(key)
        if mask is None:
            kv_len = past_len + q_len
            q_pos = torch.arange(q_len).unsqueeze(1) + past_len
            k_pos = torch.arange(kv_len).unsqueeze(0)
            mask = torch.zeros(q_len, kv_len, dtype=torch.float32)
            mask.masked_fill_(k_pos > q_pos, torch.finfo(torch.float32).min)
            mask = mask[None, None]
            self._mask_cache[key] = mask
        return mask

    def forward(self, tokens):
        """Full-sequence logits [B, S, V]."""
        s = tokens.shape[1]
        cos, sin = self.cos_cached[:s], self.sin_cached[:s]
        mask = self.causal_mask(s)
        x = self.embed_tokens(tokens)
        for layer in self.layers:
            x = layer(x, cos, sin, mask)
        return self.lm_head(self.norm(x))

    # -- cached forward passes: return logits of the last position only [B, V] --

    def step_prealloc(self, tokens, caches, pos):
        s = tokens.shape[1]
        cos, sin = self.cos_cached[pos:pos + s], self.sin_cached[pos:pos + s]
        mask = self.causal_mask(s, pos) if s > 1 else None   # one query sees all of the prefix
        x = self.embed_tokens(tokens)
        for layer, (k_cache, v_cache) in zip(self.layers, caches):
            x = layer.forward_prealloc(x, cos, sin, mask, k_cache, v_cache, pos)
        return self.lm_head(self.norm(x[:, -1]))

    def step_concat(self, tokens, past, pos):
        s = tokens.shape[1]
        cos, sin = self.cos_cached[pos:pos + s], self.sin_cached[pos:pos + s]
        mask = self.causal_mask(s, pos) if s > 1 else None
        x = self.embed_tokens(tokens)
        present = []
        for i, layer in enumerate(self.layers):
            x, kv = layer.forward_concat(x, cos, sin, mask, None if past is None else past[i])
            present.append(kv)
        return self.lm_head(self.norm(x[:, -1])), present


# ----------------------------------------------------------------------------
# training
# ----------------------------------------------------------------------------

def bench_training(model, args):
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    gen = torch.Generator().manual_seed(args.seed)
    total = args.warmup_steps + args.train_steps
    batches = [torch.randint(0, args.vocab, (args.train_batch, args.train_seq), generator=gen)
               for _ in range(total)]
    model.train()

    def step(tokens):
        with autocast(args):
            logits = model(tokens)
            loss = F.cross_entropy(logits[:, :-1].reshape(-1, args.vocab).float(), tokens[:, 1:].reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss

    for i in range(args.warmup_steps):
        step(batches[i])
    t0 = time.perf_counter()
    loss = None
    for i in range(args.warmup_steps, total):
        loss = step(batches[i])
    loss_value = loss.item() if loss is not None else float("nan")
    seconds = time.perf_counter() - t0
    tps = args.train_batch * args.train_seq * args.train_steps / seconds
    log("training: %d steps of [%d, %d] in %.3f s -> %.1f tokens/s (last loss %.4f)"
        % (args.train_steps, args.train_batch, args.train_seq, seconds, tps, loss_value))
    return tps


# ----------------------------------------------------------------------------
# sampling
# ----------------------------------------------------------------------------

@torch.inference_mode()
def sample_prealloc(model, prompt, new_tokens, seed):
    cfg = model.cfg
    b, p = prompt.shape
    max_len = p + new_tokens
    head_dim = cfg.hidden // cfg.n_heads
    caches = [(torch.empty(b, cfg.n_kv_heads, max_len, head_dim),
               torch.empty(b, cfg.n_kv_heads, max_len, head_dim)) for _ in range(cfg.n_layers)]
    out = torch.empty(b, max_len, dtype=torch.long)
    out[:, :p] = prompt
    torch.manual_seed(seed)
    logits = model.step_prealloc(prompt, caches, 0)
    pos = p
    for i in range(new_tokens):
        probs = torch.softmax(logits / 1.0, dim=-1)
        nxt = torch.multinomial(probs, 1)
        out[:, pos:pos + 1] = nxt
        if i + 1 < new_tokens:
            logits = model.step_prealloc(nxt, caches, pos)
        pos += 1
    return out


@torch.inference_mode()
def sample_concat(model, prompt, new_tokens, seed):
    b, p = prompt.shape
    out = torch.empty(b, p + new_tokens, dtype=torch.long)
    out[:, :p] = prompt
    torch.manual_seed(seed)
    logits, past = model.step_concat(prompt, None, 0)
    pos = p
    for i in range(new_tokens):
        probs = torch.softmax(logits / 1.0, dim=-1)
        nxt = torch.multinomial(probs, 1)
        out[:, pos:pos + 1] = nxt
        if i + 1 < new_tokens:
            logits, past = model.step_concat(nxt, past, pos)
        pos += 1
    return out


def autocast(args):
    """torch.autocast on the CPU in bfloat16 (oneDNN's AVX-512 BF16 kernels) with --bf16; else a no-op."""
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16)


def bench_sampling(model, args, fn, name):
    """One full warm-up round, then the fastest of --sample-rounds timed rounds (the Java side does the same): on a
    shared machine the slow rounds measure the neighbours, not the code."""
    model.eval()
    gen = torch.Generator().manual_seed(args.seed + 1)
    prompt = torch.randint(0, args.vocab, (args.sample_batch, args.prompt_len), generator=gen)
    rounds = []
    with autocast(args):
        first = fn(model, prompt, args.new_tokens, args.seed)          # warm-up round
        for _ in range(args.sample_rounds):
            t0 = time.perf_counter()
            fn(model, prompt, args.new_tokens, args.seed)
            rounds.append(args.sample_batch * args.new_tokens / (time.perf_counter() - t0))
    tps = max(rounds)
    log("sampling (%s cache): rounds of [%d, %d+%d] at %s new tokens/s -> best %.1f"
        % (name, args.sample_batch, args.prompt_len, args.new_tokens,
           ", ".join("%.0f" % r for r in rounds), tps))
    return tps, first


# ----------------------------------------------------------------------------

def tune_malloc():
    """Keep large tensors on the glibc heap instead of fresh mmap()s.

    Training allocates and frees many tensors of tens of MB per step (the
    [B, H, S, S] attention scores are 32 MiB). Above glibc's mmap threshold each
    one is a new mapping whose pages fault in zero-filled every time; raising the
    mmap and trim thresholds lets freed blocks be reused. This changes only the
    allocator, not the work (PyTorch's CPU tuning guide recommends a caching
    allocator such as jemalloc/tcmalloc for the same reason).
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        ok = (libc.mallopt(m_mmap_threshold, 1 << 30) == 1
              and libc.mallopt(m_trim_threshold, 1 << 31) == 1)
    except (OSError, AttributeError):
        ok = False
    return ok


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--train-batch", type=int, default=16)
    ap.add_argument("--train-seq", type=int, default=256)
    ap.add_argument("--train-steps", type=int, default=20)
    ap.add_argument("--warmup-steps", type=int, default=3)
    ap.add_argument("--sample-batch", type=int, default=32)
    ap.add_argument("--prompt-len", type=int, default=16)
    ap.add_argument("--new-tokens", type=int, default=128)
    ap.add_argument("--sample-rounds", type=int, default=3)
    ap.add_argument("--vocab", type=int, default=512)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--heads", type=int, default=8)
    ap.add_argument("--kv-heads", type=int, default=8)
    ap.add_argument("--intermediate", type=int, default=688)
    ap.add_argument("--eps", type=float, default=1e-5)
    ap.add_argument("--rope-theta", type=float, default=10000.0)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--no-malloc-tuning", action="store_true",
                    help="leave glibc's mmap/trim thresholds at their defaults")
    ap.add_argument("--bf16", action="store_true", help="run under torch.autocast in bfloat16 (CPU)")
    ap.add_argument("--skip-training", action="store_true", help="report 0 for training")
    ap.add_argument("--skip-sampling", action="store_true", help="report 0 for sampling")
    args = ap.parse_args(argv)
    args.max_positions = max(args.train_seq, args.prompt_len + args.new_tokens)
    return args


def main(argv=None):
    args = parse_args(argv)
    malloc_tuned = False if args.no_malloc_tuning else tune_malloc()
    torch.manual_seed(args.seed)
    model = LlamaLM(Config(args))
    n_params = sum(p.numel() for p in model.parameters())
    log("torch %s, %d threads, %d parameters, malloc tuning %s"
        % (torch.__version__, torch.get_num_threads(), n_params, "on" if malloc_tuned else "off"))

    train_tps = 0.0 if args.skip_training else bench_training(model, args)

    pre_tps = concat_tps = 0.0
    if not args.skip_sampling:
        pre_tps, pre_out = bench_sampling(model, args, sample_prealloc, "preallocated")
        concat_tps, concat_out = bench_sampling(model, args, sample_concat, "concatenating")
        if not torch.equal(pre_out, concat_out):
            log("note: the two cache forms sampled different tokens (floating-point differences)")

    print(json.dumps({
        "training_tokens_per_second": train_tps,
        "sampling_tokens_per_second": max(pre_tps, concat_tps),
        "sampling_preallocated_tokens_per_second": pre_tps,
        "sampling_concat_tokens_per_second": concat_tps,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "bf16": args.bf16,
        "params": n_params,
    }), flush=True)


if __name__ == "__main__":
    main()
