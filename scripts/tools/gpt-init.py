"""Why gpt-tiny starts from PyTorch's default initialisation: peer.py's twin of gpt-tiny, trained twice on the same
sequences in the same order, once as PyTorch initialises it (nn.Embedding N(0, 1), positions 0, nn.Linear
U(-1/sqrt(in), 1/sqrt(in)) with its biases) and once with GPT-2's N(0, 0.02) (residual projections scaled by
1/sqrt(2 layers), biases 0), which gpt-tiny used before. Adam at a constant 3e-3 in steps of 16 sequences of 128
bytes of the Python 3.11 documentation; perplexity on 864 other sequences every 250 steps.

    LD_LIBRARY_PATH=<an OpenBLAS> OMP_NUM_THREADS=1 python3 scripts/tools/gpt-init.py [STEPS]

Without an optimised BLAS on the library path Debian's torch falls back to the reference BLAS, about 6 times slower;
scripts/bench/run.sh peer unpacks libopenblas0-pthread under scripts/bench/target/peer/openblas.
"""
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))
import peer  # noqa: E402


def gpt2_init(model, layers=4):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith(".bias") and "norm" not in name:
                p.zero_()
            elif "norm" in name:
                continue
            elif name.endswith("proj.weight") or name.endswith("down.weight"):
                p.normal_(0, 0.02 / math.sqrt(2 * layers))
            else:
                p.normal_(0, 0.02)


def main():
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    windows = peer.corpus()
    order = torch.randperm(len(windows), generator=torch.Generator().manual_seed(1))
    test, train = windows[order[:864]], windows[order[864:864 + 16 * steps]]
    for init in ("pytorch", "gpt2"):
        torch.manual_seed(0)
        model = peer.GptTiny()
        if init == "gpt2":
            gpt2_init(model)
        optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
        for step in range(1, steps + 1):
            batch = train[(step - 1) * 16:step * 16]
            optimiser.zero_grad()
            logits = model(batch[:, :-1])
            F.cross_entropy(logits.reshape(-1, 256), batch[:, 1:].reshape(-1)).backward()
            optimiser.step()
            if step % 250 == 0 or step == steps:
                model.eval()
                with torch.no_grad():
                    loss = sum(F.cross_entropy(model(b[:, :-1]).reshape(-1, 256), b[:, 1:].reshape(-1), reduction="sum").item()
                               for b in test.split(256))
                model.train()
                loss /= test[:, 1:].numel()
                print(f"init {init:8s} step {step:5d}  test cross-entropy {loss:.4f}  perplexity {math.exp(loss):.3f}", flush=True)


if __name__ == "__main__":
    main()
