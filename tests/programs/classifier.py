# A small classifier: three classes of points on rings, cross entropy, mini-batches from a
# DataLoader, accuracy with argmax, evaluation under no_grad.
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

angles = torch.linspace(0, 2 * math.pi, 60)
points, labels = [], []
for k, radius in enumerate((0.5, 1.0, 1.5)):
    points.append(torch.stack([radius * torch.cos(angles + k), radius * torch.sin(angles + k)], 1))
    labels.append(torch.full((60,), k, dtype=torch.long))
X = torch.cat(points)
Y = torch.cat(labels)
print(X.shape, Y.shape, Y.dtype)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(2, 16)
        self.out = nn.Linear(16, 3)

    def forward(self, x):
        return self.out(F.relu(self.hidden(x)))


model = Net()
with torch.no_grad():
    for i, param in enumerate(model.parameters()):
        param.copy_(torch.sin(torch.arange(param.numel()) * 1.3 + i).reshape(param.shape) * 0.5)

loader = DataLoader(TensorDataset(X, Y), batch_size=30, shuffle=False)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
for epoch in range(40):
    total = 0.0
    for xb, yb in loader:
        loss = F.cross_entropy(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(xb)
    if epoch % 10 == 9:
        print("epoch", epoch + 1, "loss", "{:.4f}".format(total / len(X)))  # noqa: UP032

with torch.no_grad():
    logits = model(X)
    predicted = logits.argmax(dim=1)
    accuracy = (predicted == Y).float().mean().item()
    probabilities = F.softmax(logits[:3], dim=1)
print(f"accuracy {accuracy:.4f}")
print(probabilities)
print(nn.CrossEntropyLoss()(logits, Y).item())
