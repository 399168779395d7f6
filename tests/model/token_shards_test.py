#!/usr/bin/python3
"""Independent reader of primer's token shards (llm.c layout) in Python with numpy.

Builds a small dataset with `primer run`, trains a tokenizer, encodes it, then reads every
tokens/*.bin with numpy (header: 256 little-endian int32, magic 20240520, version 1,
token count, then 1 and the 32 bytes of the tokenizer.model's sha256 in ints 3..11; body:
uint16 ids), splits documents at BOS and decodes them with Debian's python3-sentencepiece. Every record's text must come back exactly, in order, and the
manifest's token figures must match. Exit status 0 on success, 1 with a FAIL line.

usage: token_shards_test.py PRIMER_BINARY
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import sentencepiece as spm

MAGIC, VERSION, HEADER_INTS = 20240520, 1, 256


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def read_token_shard(path, tokenizer_sha256):
    with open(path, "rb") as f:
        raw_header = f.read(HEADER_INTS * 4)
        header = np.frombuffer(raw_header, dtype="<i4")
        if header.size != HEADER_INTS:
            fail(f"{path}: short header")
        if header[0] != MAGIC or header[1] != VERSION:
            fail(f"{path}: magic {header[0]} version {header[1]}")
        # the tokenizer that made the tokens: a flag, then its sha256 (digest bytes)
        if header[3] != 1 or raw_header[16:48] != tokenizer_sha256:
            fail(f"{path}: header does not record tokenizer.model's sha256 "
                 f"({raw_header[16:48].hex()} vs {tokenizer_sha256.hex()})")
        if any(header[12:]):
            fail(f"{path}: header ints 12..255 are not zero")
        tokens = np.frombuffer(f.read(), dtype="<u2")
    if tokens.size != header[2]:
        fail(f"{path}: header says {header[2]} tokens, file holds {tokens.size}")
    return tokens


def shard_texts(path):
    out = subprocess.run(["zstdcat", path], check=True, capture_output=True).stdout.decode("utf-8")
    return [json.loads(line)["text"] for line in out.splitlines()]


def main():
    primer = sys.argv[1]
    with tempfile.TemporaryDirectory() as work:
        cfg = os.path.join(work, "run.toml")
        with open(cfg, "w") as f:
            f.write('seed = 9\ncount = 1200\n[teacher]\nnoise = 0.3\n'
                    '[storage]\nshard_records = 400\nvalidation_fraction = 0.1\n')
        out = os.path.join(work, "out")
        for args in (["run", cfg, "--out", out, "--quiet"],
                     ["tokenizer", "train", "--data", out, "--vocab-size", "512"],
                     ["tokenizer", "encode", "--data", out, "--threads", "2"]):
            r = subprocess.run([primer] + args, capture_output=True, text=True)
            if r.returncode != 0:
                fail(f"primer {' '.join(args)} exited {r.returncode}: {r.stderr.strip()}")

        sp = spm.SentencePieceProcessor(model_file=os.path.join(out, "tokenizer.model"))
        with open(os.path.join(out, "tokenizer.model"), "rb") as f:
            tokenizer_sha256 = hashlib.sha256(f.read()).digest()
        if sp.get_piece_size() > 512 or sp.bos_id() != 1:
            fail(f"tokenizer: {sp.get_piece_size()} pieces, bos {sp.bos_id()}")
        with open(os.path.join(out, "manifest.json")) as f:
            manifest = json.load(f)
        token_shards = manifest["tokens"]["shards"]
        data_shards = manifest["shards"]
        if [t["split"] for t in token_shards] != [s["split"] for s in data_shards]:
            fail("token shards do not pair with the record shards")
        documents = 0
        for data, tok in zip(data_shards, token_shards):
            texts = shard_texts(os.path.join(out, data["path"]))
            tokens = read_token_shard(os.path.join(out, tok["path"]), tokenizer_sha256)
            if tokens.size != tok["tokens"]:
                fail(f"{tok['path']}: {tokens.size} tokens, manifest says {tok['tokens']}")
            if tokens.size == 0 or tokens[0] != sp.bos_id():
                fail(f"{tok['path']} does not start with BOS")
            if int(tokens.max()) >= sp.get_piece_size():
                fail(f"{tok['path']}: id {int(tokens.max())} outside the vocabulary")
            starts = np.flatnonzero(tokens == sp.bos_id())
            ends = np.append(starts[1:], tokens.size)
            if len(starts) != len(texts) or len(starts) != tok["documents"]:
                fail(f"{tok['path']}: {len(starts)} documents, {len(texts)} records")
            for i, (a, b) in enumerate(zip(starts, ends)):
                decoded = sp.decode(tokens[a + 1:b].astype(np.int64).tolist())
                if decoded != texts[i]:
                    fail(f"{tok['path']} document {i} decodes to {decoded[:80]!r}, record text is {texts[i][:80]!r}")
                # The independent encoder agrees with primer's.
                if sp.encode(texts[i]) != tokens[a + 1:b].tolist():
                    fail(f"{tok['path']} document {i}: python sentencepiece encodes differently")
            documents += len(texts)
        if documents != manifest["counts"]["kept"]:
            fail(f"{documents} documents decoded, manifest kept {manifest['counts']['kept']}")
        total = manifest["tokens"]["train"] + manifest["tokens"]["validation"]
        if total != sum(t["tokens"] for t in token_shards):
            fail("manifest token totals disagree with the shards")
        print(f"ok: {documents} documents, {total} tokens decode back to the records")


if __name__ == "__main__":
    main()
