#!/usr/bin/env python3
"""Write a random tiny Hugging Face style checkpoint (config.json + model.safetensors).

Only for testing torch_reference.py / the Java model. Uses torch + stdlib only.

Usage:
  python3 make_tiny_checkpoint.py --family llama|qwen2|gpt2 --out DIR
         [--layers 2] [--hidden 32] [--heads 4] [--kv-heads 2] [--intermediate 64]
         [--vocab 50] [--positions 64] [--tie] [--attention-bias]
         [--dtype F32|F16|BF16] [--seed 0] [--std 0.2] [--rope-theta 10000]
"""

import argparse
import json
import os
import struct

import torch


def tensor_bytes(t, dtype):
    t = t.detach().contiguous()
    if dtype == "F32":
        return t.to(torch.float32).numpy().tobytes()
    if dtype == "F16":
        return t.to(torch.float16).numpy().tobytes()
    if dtype == "BF16":
        # round to bf16 via torch, then take the high 16 bits of the float32 pattern
        f = t.to(torch.bfloat16).to(torch.float32).contiguous()
        words = f.view(torch.int16).reshape(-1, 2)[:, 1].contiguous()  # little-endian high half
        return words.numpy().tobytes()
    raise ValueError(dtype)


def write_safetensors(path, tensors, dtype="F32"):
    header = {"__metadata__": {"format": "pt"}}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        b = tensor_bytes(tensors[name], dtype)
        header[name] = {"dtype": dtype, "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def make(args):
    g = torch.Generator().manual_seed(args.seed)

    def rnd(*shape, std=None):
        return torch.randn(*shape, generator=g) * (args.std if std is None else std)

    def norm_w(n):
        return 1.0 + rnd(n, std=0.1)

    H, V, I, L = args.hidden, args.vocab, args.intermediate, args.layers
    nh, nkv = args.heads, args.kv_heads
    hd = H // nh
    w = {}
    if args.family in ("llama", "qwen2"):
        cfg = {
            "model_type": args.family,
            "architectures": ["LlamaForCausalLM" if args.family == "llama" else "Qwen2ForCausalLM"],
            "vocab_size": V, "hidden_size": H, "intermediate_size": I,
            "num_hidden_layers": L, "num_attention_heads": nh, "num_key_value_heads": nkv,
            "rms_norm_eps": 1e-6, "rope_theta": args.rope_theta,
            "tie_word_embeddings": bool(args.tie), "hidden_act": "silu",
            "max_position_embeddings": args.positions, "torch_dtype": "float32",
        }
        if args.family == "llama":
            cfg["attention_bias"] = bool(args.attention_bias)
        qkv_bias = args.family == "qwen2" or args.attention_bias
        o_bias = args.family == "llama" and args.attention_bias
        w["model.embed_tokens.weight"] = rnd(V, H, std=1.0)
        for i in range(L):
            p = "model.layers.%d." % i
            w[p + "input_layernorm.weight"] = norm_w(H)
            w[p + "post_attention_layernorm.weight"] = norm_w(H)
            w[p + "self_attn.q_proj.weight"] = rnd(nh * hd, H)
            w[p + "self_attn.k_proj.weight"] = rnd(nkv * hd, H)
            w[p + "self_attn.v_proj.weight"] = rnd(nkv * hd, H)
            w[p + "self_attn.o_proj.weight"] = rnd(H, nh * hd)
            if qkv_bias:
                w[p + "self_attn.q_proj.bias"] = rnd(nh * hd)
                w[p + "self_attn.k_proj.bias"] = rnd(nkv * hd)
                w[p + "self_attn.v_proj.bias"] = rnd(nkv * hd)
            if o_bias:
                w[p + "self_attn.o_proj.bias"] = rnd(H)
            w[p + "mlp.gate_proj.weight"] = rnd(I, H)
            w[p + "mlp.up_proj.weight"] = rnd(I, H)
            w[p + "mlp.down_proj.weight"] = rnd(H, I)
        w["model.norm.weight"] = norm_w(H)
        if not args.tie:
            w["lm_head.weight"] = rnd(V, H)
    elif args.family == "gpt2":
        cfg = {
            "model_type": "gpt2", "architectures": ["GPT2LMHeadModel"],
            "vocab_size": V, "n_embd": H, "n_layer": L, "n_head": nh,
            "n_positions": args.positions, "n_ctx": args.positions, "n_inner": None,
            "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new",
        }
        pre = "transformer." if not args.no_prefix else ""
        w[pre + "wte.weight"] = rnd(V, H, std=1.0)
        w[pre + "wpe.weight"] = rnd(args.positions, H, std=0.5)
        for i in range(L):
            p = pre + "h.%d." % i
            w[p + "ln_1.weight"] = norm_w(H)
            w[p + "ln_1.bias"] = rnd(H, std=0.1)
            w[p + "attn.c_attn.weight"] = rnd(H, 3 * H)
            w[p + "attn.c_attn.bias"] = rnd(3 * H)
            w[p + "attn.c_proj.weight"] = rnd(H, H)
            w[p + "attn.c_proj.bias"] = rnd(H)
            w[p + "ln_2.weight"] = norm_w(H)
            w[p + "ln_2.bias"] = rnd(H, std=0.1)
            w[p + "mlp.c_fc.weight"] = rnd(H, 4 * H)
            w[p + "mlp.c_fc.bias"] = rnd(4 * H)
            w[p + "mlp.c_proj.weight"] = rnd(4 * H, H)
            w[p + "mlp.c_proj.bias"] = rnd(H)
        w[pre + "ln_f.weight"] = norm_w(H)
        w[pre + "ln_f.bias"] = rnd(H, std=0.1)
    else:
        raise SystemExit("unknown family " + args.family)

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    write_safetensors(os.path.join(args.out, "model.safetensors"), w, args.dtype)
    return cfg, w


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--family", required=True, choices=["llama", "qwen2", "gpt2"])
    ap.add_argument("--out", required=True)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--kv-heads", type=int, default=2)
    ap.add_argument("--intermediate", type=int, default=64)
    ap.add_argument("--vocab", type=int, default=50)
    ap.add_argument("--positions", type=int, default=64)
    ap.add_argument("--rope-theta", type=float, default=10000.0)
    ap.add_argument("--tie", action="store_true")
    ap.add_argument("--attention-bias", action="store_true")
    ap.add_argument("--no-prefix", action="store_true", help="gpt2: omit 'transformer.' prefix")
    ap.add_argument("--dtype", default="F32", choices=["F32", "F16", "BF16"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--std", type=float, default=0.2)
    make(ap.parse_args())


if __name__ == "__main__":
    main()
