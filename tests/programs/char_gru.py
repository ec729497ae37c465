# A character-level GRU: words as sequences of character indices, an Embedding, padded and
# packed batches of different lengths, next-character prediction with ignore_index.
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

text = "hello world, hello minigrad, hello gradients"
chars = sorted(set(text))
index = {c: i for i, c in enumerate(chars)}
words = text.replace(",", "").split()
sequences = [torch.tensor([index[c] for c in word]) for word in words]
inputs = pad_sequence([s[:-1] for s in sequences], batch_first=True)
targets = pad_sequence([s[1:] for s in sequences], batch_first=True, padding_value=-100)
lengths = torch.tensor([len(s) - 1 for s in sequences])
print(inputs.shape, targets.shape, lengths.tolist())

torch.manual_seed(1)
embedding = nn.Embedding(len(chars), 8)
gru = nn.GRU(8, 24, batch_first=True)
head = nn.Linear(24, len(chars))
parameters = [*embedding.parameters(), *gru.parameters(), *head.parameters()]
optimizer = torch.optim.RMSprop(parameters, lr=0.01)
loss_fn = nn.CrossEntropyLoss(ignore_index=-100)

for step in range(30):
    packed = pack_padded_sequence(embedding(inputs), lengths, batch_first=True,
                                  enforce_sorted=False)
    output, h_n = gru(packed)
    output, _ = pad_packed_sequence(output, batch_first=True, total_length=inputs.shape[1])
    logits = head(output)
    loss = loss_fn(logits.reshape(-1, len(chars)), targets.reshape(-1))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 10 == 0:
        print(f"step {step}: loss {loss.item():.5f}, h_n {tuple(h_n.shape)}")
predicted = logits.argmax(-1)[0, : lengths[0]]
print("after 'h':", "".join(chars[i] for i in predicted.tolist()))
