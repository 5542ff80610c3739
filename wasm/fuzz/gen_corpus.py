#!/usr/bin/env python3
"""Seed corpus for fuzz_core: valid op streams (accept, data both ways, closes, patches)."""
import os, random, sys
out = sys.argv[1] if len(sys.argv) > 1 else 'corpus'
os.makedirs(out, exist_ok=True)
def op(*b): return bytes(b)
seeds = {
  'accept_rx_tx': op(0) + op(5, 0, 1) + op(4) + op(10) + op(3, 0, 0, 0) + op(4) + op(8, 1, 0x10, 0) + op(7, 1, 0x40, 0) + op(10),
  'accept_close': op(0) + op(5, 1, 2) + op(4) + op(9, 0, 1) + op(6, 2, 2) + op(4) + op(10),
  'peer_close': op(0) + op(5, 0, 3) + op(4) + op(6, 1, 3) + op(4) + op(9, 0, 1) + op(6, 3, 3) + op(4),
  'reset': op(0) + op(5, 2, 4) + op(4) + op(6, 0, 4) + op(4) + op(9, 0, 1) + op(10),
  'connect': op(0) + op(9, 4, 3) + op(10) + op(11, 3, 5) + op(4) + op(8, 3, 0xff, 0xff) + op(10),
  'big_tx': op(0) + op(5, 0, 1) + op(4) + b''.join(op(8, 1, 0xff, 0xff) + op(10) for _ in range(6)),
  'patch_chunk': op(0) + op(5, 0, 1) + op(4) + op(0, 0x60, 0x00, 4, 0xff, 0xff, 0xff, 0x7f) + op(7, 1, 0xff, 0xff),
  'attach_patch': op(1 | (10 << 1)) + bytes([2, 0, 0, 0, 0, 7, 0, 0, 0, 0]) + op(4) + op(4),
  'ctrl_junk': op(0) + op(2, 99, 8) + bytes(8) + op(2, 28, 40) + bytes(40) + op(4),
}
random.seed(1)
for i in range(8):
  seeds[f'random{i}'] = op(0) + bytes(random.randrange(256) for _ in range(200))
for k, v in seeds.items():
  with open(os.path.join(out, k), 'wb') as f: f.write(v)
print(f'{len(seeds)} seeds in {out}')
