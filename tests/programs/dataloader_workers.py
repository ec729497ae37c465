# A Dataset read by a DataLoader with two worker processes: the batches come back in the
# sampler's order, so training is the same as in one process.
import torch
from torch.utils.data import DataLoader, Dataset


class Squares(Dataset):
    def __len__(self):
        return 24

    def __getitem__(self, i):
        x = i / 24
        return torch.tensor([x]), torch.tensor([x * x])


def seen_by(worker_id):
    info = torch.utils.data.get_worker_info()
    assert info.id == worker_id and info.num_workers == 2


def main():
    torch.manual_seed(3)
    loader = DataLoader(Squares(), batch_size=4, shuffle=True, num_workers=2,
                        worker_init_fn=seen_by)
    model = torch.nn.Sequential(torch.nn.Linear(1, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    for epoch in range(3):
        total, first = 0.0, None
        for x, y in loader:
            first = x[:, 0].tolist() if first is None else first
            loss = torch.nn.functional.mse_loss(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
        print(f"epoch {epoch}: first batch {first}, summed loss {total:.6f}")


if __name__ == "__main__":
    main()
