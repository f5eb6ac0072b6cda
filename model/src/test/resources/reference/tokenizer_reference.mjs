// The reference RealTokenizersIT compares LETI's tokenizer with: transformers.js's tokenizers (@lenml/tokenizers,
// a JavaScript implementation independent of the Rust `tokenizers` crate that DJL binds), and for GPT-2's files
// also gpt-3-encoder (a port of OpenAI's own encoder.py). No dependencies beyond what fetch_tokenizers.sh unpacks.
//
// Usage: node tokenizer_reference.mjs --tokenizers DEST --input request.json --output response.json
//   DEST: where fetch_tokenizers.sh unpacked the packages (DEST/tokenizers, DEST/gpt-3-encoder)
//   request: {"tokenizer": "path/tokenizer.json", "tokenizer_config": "path/tokenizer_config.json" (optional),
//             "texts": ["..."], "gpt3_encoder": true (optional)}
//   response: {"encodings": [[id, ...]], "decodings": ["..."], "special": {"bos": id|null, "eos", "pad", "unk"},
//              "gpt3_encoder": {"encodings": [...], "decodings": [...]} (when asked)}
// Encodings add no special tokens (no BOS); decodings keep special tokens and never clean up spaces, so
// code comes back byte for byte.
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

function option(name) {
  const at = process.argv.indexOf(name);
  if (at < 0 || at + 1 >= process.argv.length) {
    throw new Error(`missing ${name}; usage: node tokenizer_reference.mjs --tokenizers DEST --input IN --output OUT`);
  }
  return process.argv[at + 1];
}

const dest = resolve(option("--tokenizers"));
const request = JSON.parse(readFileSync(option("--input"), "utf8"));
const { TokenizerLoader } = await import(pathToFileURL(join(dest, "tokenizers", "dist", "main.mjs")).href);

const tokenizerJSON = JSON.parse(readFileSync(request.tokenizer, "utf8"));
const tokenizerConfig = request.tokenizer_config && existsSync(request.tokenizer_config)
  ? JSON.parse(readFileSync(request.tokenizer_config, "utf8"))
  : {};
const tokenizer = TokenizerLoader.fromPreTrained({ tokenizerJSON, tokenizerConfig });

const decode = (ids) => ids.length === 0
  ? ""
  : tokenizer.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false });
const encodings = request.texts.map((text) => tokenizer.encode(text, { add_special_tokens: false }));
const idOrNull = (id) => (id === undefined || id === null ? null : id);
const response = {
  encodings,
  decodings: encodings.map(decode),
  special: {
    bos: idOrNull(tokenizer.bos_token_id),
    eos: idOrNull(tokenizer.eos_token_id),
    // transformers.js falls back to eos for pad; Hugging Face's Python tokenizer does not, so only an explicit one
    pad: tokenizerConfig.pad_token ? idOrNull(tokenizer.pad_token_id) : null,
    unk: idOrNull(tokenizer.unk_token_id),
  },
};

if (request.gpt3_encoder) {
  const gpt3 = createRequire(import.meta.url)(join(dest, "gpt-3-encoder", "index.js"));
  const gpt3Encodings = request.texts.map((text) => gpt3.encode(text));
  response.gpt3_encoder = { encodings: gpt3Encodings, decodings: gpt3Encodings.map((ids) => gpt3.decode(ids)) };
}

writeFileSync(option("--output"), JSON.stringify(response));
