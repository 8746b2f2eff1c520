import fs from 'node:fs';

// A minimal Parquet writer (uncompressed, PLAIN, REQUIRED columns, one page per column
// chunk) so fixtures are generated here rather than committed: just enough of the format
// (Thrift compact protocol footer) for what Spark or DuckDB would write for numeric columns.
export type PType = 'INT32' | 'INT64' | 'FLOAT' | 'DOUBLE';
const TYPE_ID: Record<PType, number> = { INT32: 1, INT64: 2, FLOAT: 4, DOUBLE: 5 };

class Thrift {
  bytes: number[] = [];
  private last: number[] = [0];
  varint(n: bigint | number): void {
    let v = BigInt(n);
    while (v >= 0x80n) {
      this.bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.bytes.push(Number(v));
  }
  zigzag(n: number | bigint): void {
    const v = BigInt(n);
    this.varint(v >= 0n ? v << 1n : ((-v) << 1n) - 1n);
  }
  field(id: number, type: number): void {
    const delta = id - this.last[this.last.length - 1]!;
    if (delta > 0 && delta <= 15) this.bytes.push((delta << 4) | type);
    else {
      this.bytes.push(type);
      this.zigzag(id);
    }
    this.last[this.last.length - 1] = id;
  }
  i32(id: number, v: number): void {
    this.field(id, 5);
    this.zigzag(v);
  }
  i64(id: number, v: number | bigint): void {
    this.field(id, 6);
    this.zigzag(v);
  }
  str(id: number, s: string): void {
    this.field(id, 8);
    const b = Buffer.from(s);
    this.varint(b.length);
    this.bytes.push(...b);
  }
  struct(id: number | undefined, body: () => void): void {
    if (id !== undefined) this.field(id, 12);
    this.last.push(0);
    body();
    this.bytes.push(0);
    this.last.pop();
  }
  list(id: number, elemType: number, items: readonly (() => void)[]): void {
    this.field(id, 9);
    if (items.length < 15) this.bytes.push((items.length << 4) | elemType);
    else {
      this.bytes.push(0xf0 | elemType);
      this.varint(items.length);
    }
    for (const item of items) item();
  }
}

export type Col = { name: string; type: PType; values: ArrayLike<number> };

function plain(col: Col, from: number, to: number): Buffer {
  const n = to - from;
  const width = col.type === 'INT64' || col.type === 'DOUBLE' ? 8 : 4;
  const b = Buffer.alloc(n * width);
  for (let i = 0; i < n; i++) {
    const v = col.values[from + i]!;
    if (col.type === 'INT32') b.writeInt32LE(v, i * 4);
    else if (col.type === 'INT64') b.writeBigInt64LE(BigInt(v), i * 8);
    else if (col.type === 'FLOAT') b.writeFloatLE(v, i * 4);
    else b.writeDoubleLE(v, i * 8);
  }
  return b;
}

export function writeParquet(file: string, cols: Col[], rowsPerGroup: number): void {
  const rows = cols[0]!.values.length;
  const parts: Buffer[] = [Buffer.from('PAR1')];
  let offset = 4;
  const groups: { rows: number; chunks: { col: Col; offset: number; size: number }[] }[] = [];
  for (let start = 0; start < rows; start += rowsPerGroup) {
    const n = Math.min(rowsPerGroup, rows - start);
    const chunks = [];
    for (const col of cols) {
      const data = plain(col, start, start + n);
      const h = new Thrift();
      h.struct(undefined, () => {
        h.i32(1, 0); // DATA_PAGE
        h.i32(2, data.length);
        h.i32(3, data.length);
        h.struct(5, () => {
          h.i32(1, n);
          h.i32(2, 0); // PLAIN
          h.i32(3, 3); // RLE
          h.i32(4, 3);
        });
      });
      const header = Buffer.from(h.bytes);
      chunks.push({ col, offset, size: header.length + data.length });
      parts.push(header, data);
      offset += header.length + data.length;
    }
    groups.push({ rows: n, chunks });
  }
  const m = new Thrift();
  m.struct(undefined, () => {
    m.i32(1, 1);
    m.list(2, 12, [
      () => m.struct(undefined, () => { m.str(4, 'schema'); m.i32(5, cols.length); }),
      ...cols.map((c) => () => m.struct(undefined, () => { m.i32(1, TYPE_ID[c.type]); m.i32(3, 0); m.str(4, c.name); })),
    ]);
    m.i64(3, rows);
    m.list(4, 12, groups.map((g) => () => m.struct(undefined, () => {
      m.list(1, 12, g.chunks.map((c) => () => m.struct(undefined, () => {
        m.i64(2, c.offset);
        m.struct(3, () => {
          m.i32(1, TYPE_ID[c.col.type]);
          m.list(2, 5, [() => m.zigzag(0)]);
          m.list(3, 8, [() => { const b = Buffer.from(c.col.name); m.varint(b.length); m.bytes.push(...b); }]);
          m.i32(4, 0); // UNCOMPRESSED
          m.i64(5, g.rows);
          m.i64(6, c.size);
          m.i64(7, c.size);
          m.i64(9, c.offset);
        });
      })));
      m.i64(2, g.chunks.reduce((a, c) => a + c.size, 0));
      m.i64(3, g.rows);
    })));
  });
  const footer = Buffer.from(m.bytes);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(footer.length);
  parts.push(footer, len, Buffer.from('PAR1'));
  fs.writeFileSync(file, Buffer.concat(parts));
}

