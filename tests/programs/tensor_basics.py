# What a beginner meets first: making tensors, their shape and dtype, arithmetic, indexing,
# reshaping, matrix products, reductions, in-place updates and NumPy.
import numpy as np
import torch

data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
x_np = torch.from_numpy(np.array(data))
x_ones = torch.ones_like(x_data)
x_rand = torch.zeros_like(x_data, dtype=torch.float)
print(x_data, x_np.dtype, x_ones, x_rand)

shape = (2, 3)
print(torch.ones(shape), torch.zeros(shape).shape)
tensor = torch.arange(12, dtype=torch.float32).reshape(3, 4)
print(f"Shape of tensor: {tensor.shape}")
print(f"Datatype of tensor: {tensor.dtype}")
print(f"Device tensor is stored on: {tensor.device}")
print("First row:", tensor[0])
print("First column:", tensor[:, 0])
print("Last column:", tensor[..., -1])
tensor[:, 1] = 0
print(tensor)
t1 = torch.cat([tensor, tensor, tensor], dim=1)
print(t1.shape)
y1 = tensor @ tensor.T
y2 = tensor.matmul(tensor.T)
y3 = torch.rand_like(y1)
torch.matmul(tensor, tensor.T, out=y3)
print(y1, torch.equal(y1, y2), torch.equal(y2, y3))
z1 = tensor * tensor
print(z1, tensor.mul(tensor).sum())
agg = tensor.sum()
print(agg.item(), type(agg.item()))
tensor.add_(5)
print(tensor)
tensor.clamp_(max=12).sqrt_()
largest = tensor.max(dim=1)
print(tensor.mean(), tensor.std(), largest.values, largest.indices)
n = tensor.numpy()
tensor.mul_(2)
print(n[0])
print(torch.stack([torch.linspace(0, 1, 5), torch.exp(torch.linspace(0, 1, 5))]).t())
print(torch.where(tensor > 5, tensor, -tensor).tolist())
