# The fit as a model: the powers of x as features, nn.Sequential, MSELoss and an optimizer.
import math

import torch
import torch.nn as nn

x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)
p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)
print(xx.shape, xx.dtype)

for name in ("SGD", "Adam"):
    model = nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1))
    with torch.no_grad():  # the same start in both libraries
        model[0].weight.copy_(torch.tensor([[0.5, -0.1, 0.05]]))
        model[0].bias.fill_(0.2)
    loss_fn = nn.MSELoss(reduction="sum")
    if name == "SGD":
        optimizer = torch.optim.SGD(model.parameters(), lr=1e-6, momentum=0.9)
    else:
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for t in range(1000):
        loss = loss_fn(model(xx), y)
        if t % 250 == 99:
            print(name, t, loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    linear = model[0]
    print(f"{name}: y = {linear.bias.item():.6f} + {linear.weight[:, 0].item():.6f} x + "
          f"{linear.weight[:, 1].item():.6f} x^2 + {linear.weight[:, 2].item():.6f} x^3")
