# A training loop that runs wherever it is: the device chosen once, model and data moved there.
import torch
from torch import nn

device = "cuda" if torch.cuda.is_available() else "cpu"
print(f"Using {device} device")

inputs = torch.linspace(-1, 1, 64).reshape(32, 2)
targets = (inputs[:, :1] * 3 - inputs[:, 1:] ** 2 + 0.5).to(device)
inputs = inputs.to(device)

model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1)).to(device)
with torch.no_grad():
    for param in model.parameters():
        param.copy_(torch.linspace(-0.5, 0.5, param.numel()).reshape(param.shape))
print(model)
print(next(model.parameters()).device, inputs.device == targets.device)

optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
loss_fn = nn.MSELoss()
model.train()
for epoch in range(300):
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    if epoch % 60 == 0:
        print("epoch {} loss {:.4f}".format(epoch, loss))  # noqa: UP032 (str.format of a tensor)

model.eval()
with torch.no_grad():
    prediction = model(torch.tensor([[0.5, -0.5]], device=device))
print(prediction.cpu().item(), prediction.requires_grad)
print(sum(p.numel() for p in model.parameters()))
