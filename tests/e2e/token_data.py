"""Token shards for training tests, without a tokenizer or a primer run.

  token_data.py DIR   writes DIR/tokens/train-00000.bin (200 documents) and
                      DIR/tokens/validation-00000.bin (27), llm.c's layout.

Documents follow a fixed successor rule over ids 2..60 (vocab_size 61), so a small model
has something to learn.
"""
import os
import random
import struct
import sys


def write_shard(path, documents, seed):
    # 256 int32 header (magic 20240520, version 1, token count), then uint16 tokens.
    rng = random.Random(seed)
    tokens = []
    for _ in range(documents):
        doc, t = [1], 2 + rng.randrange(50)
        for _ in range(40):
            doc.append(t)
            t = 2 + (t * 7 + 3) % 59
        tokens += doc
    with open(path, "wb") as f:
        f.write(struct.pack("<256i", 20240520, 1, len(tokens), *([0] * 253)))
        f.write(struct.pack("<%dH" % len(tokens), *tokens))


def write_dataset(directory):
    os.makedirs(os.path.join(directory, "tokens"), exist_ok=True)
    write_shard(os.path.join(directory, "tokens", "train-00000.bin"), 200, 1)
    write_shard(os.path.join(directory, "tokens", "validation-00000.bin"), 27, 2)


if __name__ == "__main__":
    write_dataset(sys.argv[1])
