# A classifier with BatchNorm, trained with SGD under a one-cycle learning-rate schedule on
# shuffled mini-batches; train() and eval() switch BatchNorm between batch and running statistics.
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(2)
X = torch.randn(200, 5)
labels = (X @ torch.randn(5, 3)).argmax(dim=1)

model = nn.Sequential(nn.Linear(5, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 3))
loader = DataLoader(TensorDataset(X, labels), batch_size=25, shuffle=True)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.5, epochs=5,
                                                steps_per_epoch=len(loader))
loss_fn = nn.CrossEntropyLoss()
for epoch in range(5):
    model.train()
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        scheduler.step()
    model.eval()
    with torch.no_grad():
        accuracy = (model(X).argmax(dim=1) == labels).float().mean()
    print(f"epoch {epoch}: lr {scheduler.get_last_lr()[0]:.6f}, last loss {loss.item():.5f}, "
          f"accuracy {accuracy.item():.4f}")
print("running mean", model[1].running_mean[:3], "batches", model[1].num_batches_tracked.item())
