"""PyTorch's half of `scripts/bench/run.sh onednn`: LeNet-5 (peer.py's) trained for 200 batches of 64 random images
with Adam, one thread, so that DNNL_VERBOSE shows which oneDNN primitives PyTorch calls for the same work."""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer  # noqa: E402

torch.set_num_threads(1)
torch.manual_seed(1)
model = peer.lenet5()
optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
x, y = torch.rand(64, 1, 28, 28), torch.randint(0, 10, (64,))
for _ in range(200):
    optimiser.zero_grad()
    F.cross_entropy(model(x), y).backward()
    optimiser.step()
