# An LSTM learns to add up a sequence of numbers; its gradients are clipped every step. The
# data and the initial weights come from the seeded generator, which both libraries share.
import torch
import torch.nn as nn

torch.manual_seed(0)
x = torch.randn(64, 12, 1)
y = x.sum(dim=1)


class Summer(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(input_size=1, hidden_size=16, num_layers=2, batch_first=True)
        self.head = nn.Linear(16, 1)

    def forward(self, x):
        out, (h, c) = self.lstm(x)
        return self.head(out[:, -1])


model = Summer()
print(model)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
loss_fn = nn.MSELoss()
for epoch in range(40):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    optimizer.step()
    if epoch % 10 == 0:
        print(f"epoch {epoch}: loss {loss.item():.6f}, gradient norm before clipping {norm:.6f}")
with torch.no_grad():
    test = torch.tensor([[[0.5], [1.0], [-2.0]]])
    print("0.5 + 1 - 2 =", model(test).item())
