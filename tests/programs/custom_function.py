# Custom autograd Functions: a Legendre polynomial with its own backward, and a linear map
# written with mm, checked against autograd's own gradient.
import math

import torch


class LegendrePolynomial3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


class MatMulLinear(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight):
        ctx.save_for_backward(x, weight)
        return x.mm(weight.t())

    @staticmethod
    def backward(ctx, grad_output):
        x, weight = ctx.saved_tensors
        return grad_output.mm(weight), grad_output.t().mm(x)


dtype = torch.float64
x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
y = torch.sin(x)
a = torch.full((), 0.0, dtype=dtype, requires_grad=True)
b = torch.full((), -1.0, dtype=dtype, requires_grad=True)
c = torch.full((), 0.0, dtype=dtype, requires_grad=True)
d = torch.full((), 0.3, dtype=dtype, requires_grad=True)

learning_rate = 5e-6
for t in range(2000):
    P3 = LegendrePolynomial3.apply
    y_pred = a + b * P3(c + d * x)
    loss = (y_pred - y).pow(2).sum()
    if t % 500 == 499:
        print(t, loss.item())
    loss.backward()
    with torch.no_grad():
        for param in (a, b, c, d):
            param -= learning_rate * param.grad
            param.grad = None
print(f"Result: y = {a.item():.6f} + {b.item():.6f} * P3({c.item():.6f} + {d.item():.6f} x)")

inputs = torch.arange(12, dtype=dtype).reshape(4, 3).div(10).requires_grad_()
weight = torch.linspace(-1, 1, 6, dtype=dtype).reshape(2, 3).requires_grad_()
out = MatMulLinear.apply(inputs, weight)
out.sin().sum().backward()
print(out)
print(inputs.grad)
print(weight.grad)
grads = torch.autograd.grad(inputs.mm(weight.t()).sin().sum(), (inputs, weight))
print([torch.allclose(g, h) for g, h in zip(grads, (inputs.grad, weight.grad))])
print(torch.autograd.gradcheck(MatMulLinear.apply, (inputs, weight)))
