/**
 * The Thrift compact protocol, writing only: enough for Parquet's page headers and file footer.
 * Fields are written in increasing id order, as the Parquet structs define them.
 */
const TYPE = { true: 1, false: 2, i32: 5, i64: 6, binary: 8, list: 9, struct: 12 } as const;

export class ThriftWriter {
  private readonly bytes: number[] = [];
  private lastIds: number[] = [0];

  private varint(value: number): void {
    let rest = value;
    while (rest >= 0x80) {
      this.bytes.push((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    this.bytes.push(rest);
  }

  /** Zigzag on doubles: exact for every safe integer, where bit operations would stop at 32 bits. */
  private zigzag(value: number): void {
    this.varint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  private header(id: number, type: number): void {
    const last = this.lastIds[this.lastIds.length - 1];
    const delta = id - last;
    if (delta > 0 && delta <= 15) this.bytes.push((delta << 4) | type);
    else {
      this.bytes.push(type);
      this.zigzag(id);
    }
    this.lastIds[this.lastIds.length - 1] = id;
  }

  private binaryValue(value: string | Uint8Array): void {
    const data = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    this.varint(data.length);
    for (const byte of data) this.bytes.push(byte);
  }

  private listHeader(size: number, elementType: number): void {
    if (size < 15) this.bytes.push((size << 4) | elementType);
    else {
      this.bytes.push(0xf0 | elementType);
      this.varint(size);
    }
  }

  bool(id: number, value: boolean): this {
    this.header(id, value ? TYPE.true : TYPE.false);
    return this;
  }

  i32(id: number, value: number): this {
    this.header(id, TYPE.i32);
    this.zigzag(value);
    return this;
  }

  i64(id: number, value: number): this {
    this.header(id, TYPE.i64);
    this.zigzag(value);
    return this;
  }

  binary(id: number, value: string | Uint8Array): this {
    this.header(id, TYPE.binary);
    this.binaryValue(value);
    return this;
  }

  struct(id: number, write: (struct: this) => void): this {
    this.header(id, TYPE.struct);
    this.structBody(write);
    return this;
  }

  listI32(id: number, values: readonly number[]): this {
    this.header(id, TYPE.list);
    this.listHeader(values.length, TYPE.i32);
    for (const value of values) this.zigzag(value);
    return this;
  }

  listBinary(id: number, values: readonly string[]): this {
    this.header(id, TYPE.list);
    this.listHeader(values.length, TYPE.binary);
    for (const value of values) this.binaryValue(value);
    return this;
  }

  listStruct<Item>(id: number, items: readonly Item[], write: (struct: this, item: Item) => void): this {
    this.header(id, TYPE.list);
    this.listHeader(items.length, TYPE.struct);
    for (const item of items) this.structBody((struct) => write(struct, item));
    return this;
  }

  private structBody(write: (struct: this) => void): void {
    this.lastIds.push(0);
    write(this);
    this.bytes.push(0); // stop
    this.lastIds.pop();
  }

  /** The top-level struct written so far, with its stop byte. */
  finish(): Buffer {
    return Buffer.from([...this.bytes, 0]);
  }
}
