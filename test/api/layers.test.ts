/** glue/ is layered (engine below session below socket/server below the net API): no import runs back up, and docs/architecture.md's drawing is the sources'. */
import * as fs from 'fs';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const imports = require('../../scripts/imports.js') as {
  problems(): { unplaced: string[]; upward: { from: string; to: string }[] };
  withDrawing(doc: string): string;
  edges(): { from: string; to: string }[];
  DOC: string;
};

test('every glue module has a layer, and every import points down or sideways', () => {
  const { unplaced, upward } = imports.problems();
  expect(unplaced).toEqual([]);
  expect(upward).toEqual([]);
  // the walks of docs/architecture.md: listen handle -> stream handle -> stack -> engine, never back
  const e = imports.edges();
  expect(e).toContainEqual({ from: 'vpp/listen-handle', to: 'vpp/stream-handle' });
  expect(e).toContainEqual({ from: 'vpp/stream-handle', to: 'vpp/stack' });
  expect(e.some((x) => x.from === 'vpp/stack' && /handle/.test(x.to))).toBe(false);
  expect(e.some((x) => x.from.startsWith('engine/') && x.to.startsWith('vpp/'))).toBe(false);
});

test('docs/architecture.md carries the drawing of the current imports (node scripts/imports.js --write)', () => {
  const doc = fs.readFileSync(imports.DOC, 'utf8');
  expect(doc).toBe(imports.withDrawing(doc));
});
