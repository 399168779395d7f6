"""A small trained model for the export tests: a built-in dataset with a 512-piece tokenizer
in WORK/data, then WORK/train.toml (the given shape, 250 steps) trained into WORK/train.
Returns the newest checkpoint."""
import os


def train_small_model(primer, work, model, run):
    """model: the [model] keys; run(cmd) runs a command and fails the test on an error."""
    cfg = os.path.join(work, "run.toml")
    with open(cfg, "w") as f:
        f.write('seed = 4\ncount = 600\n[storage]\nvalidation_fraction = 0.05\n[tokenizer]\nvocab_size = 512\n')
    data = os.path.join(work, "data")
    run([primer, "run", cfg, "--out", data, "--quiet"])
    tcfg = os.path.join(work, "train.toml")
    with open(tcfg, "w") as f:
        f.write("[model]\n" + "".join(f"{k} = {v}\n" for k, v in model.items()) +
                f'[train]\ndata = "{data}"\nbatch_size = 16\nsteps = 250\nlr = 5e-3\nwarmup = 10\n'
                'eval_every = 50\nlog_every = 0\n')
    tr = os.path.join(work, "train")
    run([primer, "train", tcfg, "--out", tr])
    return os.path.join(tr, "checkpoints", sorted(os.listdir(os.path.join(tr, "checkpoints")))[-1])
