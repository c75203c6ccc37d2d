import { createCsvEncoder } from '../../lambdas/ftp-export/encode-csv';
import { type ColumnKind, CsvRenderStream, renderHeader } from '../../lambdas/ftp-export/render-csv';

/** Feeds PostgreSQL-style CSV through the render stream in chunks of `chunkSize` bytes. */
async function render(
  input: string,
  options: { kinds: ColumnKind[]; neutraliseFormulas?: boolean; lineEnding?: 'crlf' | 'lf'; chunkSize?: number },
) {
  const headers = options.kinds.map((_kind, index) => `c${index + 1}`);
  const stream = new CsvRenderStream({
    headers,
    kinds: options.kinds,
    neutraliseFormulas: options.neutraliseFormulas ?? true,
    lineEnding: options.lineEnding ?? 'lf',
    encoder: createCsvEncoder('utf8', { headers }),
  });
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise((resolve, reject) => stream.on('end', resolve).on('error', reject));
  const bytes = Buffer.from(input, 'utf8');
  const size = options.chunkSize ?? bytes.length;
  for (let at = 0; at < bytes.length; at += size) stream.write(bytes.subarray(at, at + size));
  stream.end();
  await ended;
  const text = Buffer.concat(chunks).toString('utf8');
  return {
    text,
    body: text.slice(text.indexOf('\n') + 1),
    rows: stream.rows,
    bytes: stream.bytes,
    hasRows: await stream.hasRows,
  };
}

describe('CsvRenderStream', () => {
  it('writes the header first and passes plain rows through unchanged', async () => {
    const { text, rows } = await render('1,S001,10\n2,S002,20\n', { kinds: ['plain', 'text', 'plain'] });

    expect(text).toBe('c1,c2,c3\n1,S001,10\n2,S002,20\n');
    expect(rows).toBe(2);
  });

  it('prefixes text cells that start like a formula with an apostrophe', async () => {
    const input = '=SUM(A1),+81,-1,@cmd,\tx,safe\n';

    const { body } = await render(input, { kinds: ['text', 'text', 'text', 'text', 'text', 'text'] });

    expect(body).toBe("'=SUM(A1),'+81,'-1,'@cmd,'\tx,safe\n");
  });

  it('neutralises inside quoted cells, after the opening quote', async () => {
    const { body } = await render('"=HYPERLINK(""x""),1"\n', { kinds: ['text'] });

    expect(body).toBe('"\'=HYPERLINK(""x""),1"\n');
  });

  it('leaves negative numbers and formula-looking text alone when neutralising is off', async () => {
    const { body } = await render('-5,=1+1\n', { kinds: ['plain', 'text'], neutraliseFormulas: false });

    expect(body).toBe('-5,=1+1\n');
  });

  it('renders timestamps as JST ISO 8601 with the offset in hours and minutes', async () => {
    const input = '2025-08-11 09:15:00+09,2025-08-11 09:15:00.123456+09,\n';

    const { body } = await render(input, { kinds: ['timestamp', 'timestamp', 'timestamp'] });

    expect(body).toBe('2025-08-11T09:15:00+09:00,2025-08-11T09:15:00.123456+09:00,\n');
  });

  it('leaves infinite timestamps as PostgreSQL prints them', async () => {
    const { body } = await render('infinity\n', { kinds: ['timestamp'] });

    expect(body).toBe('infinity\n');
  });

  it('ends rows with CRLF but keeps line breaks inside quoted cells as they are', async () => {
    const { text } = await render('1,"two\nlines"\n2,x\n', { kinds: ['plain', 'text'], lineEnding: 'crlf' });

    expect(text).toBe('c1,c2\r\n1,"two\nlines"\r\n2,x\r\n');
  });

  it('gives the same output however the input is cut into chunks', async () => {
    const input =
      '1,"a ""quoted"", value",=x,2025-08-11 09:15:00+09\n2,"multi\nline",-y,\n3,,"",2025-01-01 00:00:00+09\n';
    const kinds: ColumnKind[] = ['plain', 'text', 'text', 'timestamp'];
    const whole = await render(input, { kinds, lineEnding: 'crlf' });

    for (let chunkSize = 1; chunkSize < 12; chunkSize++) {
      const chunked = await render(input, { kinds, lineEnding: 'crlf', chunkSize });
      expect(chunked.text).toBe(whole.text);
      expect(chunked.rows).toBe(3);
    }
  });

  it('counts the bytes it pushed, header included', async () => {
    const { text, bytes } = await render('1,店舗\n', { kinds: ['plain', 'text'] });

    expect(bytes).toBe(Buffer.byteLength(text, 'utf8'));
  });

  it('reports no rows and writes only the header for an empty result', async () => {
    const { text, rows, hasRows } = await render('', { kinds: ['plain', 'text'], lineEnding: 'crlf' });

    expect(text).toBe('c1,c2\r\n');
    expect(rows).toBe(0);
    expect(hasRows).toBe(false);
  });

  it('fails when the input ends inside a row', async () => {
    await expect(render('1,"open', { kinds: ['plain', 'text'] })).rejects.toThrow('ends inside row 1');
  });
});

describe('CsvRenderStream on large cells', () => {
  /**
   * Bytes the stream copied (Buffer.concat) and searched (indexOf, from where it starts to the end) while
   * rendering one row whose quoted cell holds `size` bytes, fed in 64 KiB chunks. Work on an unfinished row
   * that is redone with every chunk makes this grow with the square of the size.
   */
  async function bytesTouched(size: number, encoding: 'utf8' | 'shift_jis'): Promise<number> {
    const input = Buffer.concat([Buffer.from('1,"'), Buffer.alloc(size, 'a'), Buffer.from('",x\n')]);
    let touched = 0;
    const concat = Buffer.concat;
    const concatSpy = jest.spyOn(Buffer, 'concat').mockImplementation((list, length) => {
      const joined = concat(list, length);
      touched += joined.length;
      return joined;
    });
    const indexOf = Buffer.prototype.indexOf;
    const indexOfSpy = jest.spyOn(Buffer.prototype, 'indexOf').mockImplementation(function (
      this: Buffer,
      value,
      from,
      enc,
    ) {
      touched += this.length - Math.max(0, Number(from ?? 0));
      return indexOf.call(this, value, from, enc as BufferEncoding);
    });
    try {
      const headers = ['id', 'big', 'x'];
      const stream = new CsvRenderStream({
        headers,
        kinds: ['plain', 'text', 'text'],
        neutraliseFormulas: true,
        lineEnding: 'crlf',
        encoder: createCsvEncoder(encoding, { headers }),
      });
      stream.resume();
      const ended = new Promise((resolve, reject) => stream.on('end', resolve).on('error', reject));
      for (let at = 0; at < input.length; at += 65_536) stream.write(input.subarray(at, at + 65_536));
      stream.end();
      await ended;
      expect(stream.rows).toBe(1);
    } finally {
      concatSpy.mockRestore();
      indexOfSpy.mockRestore();
    }
    return touched;
  }

  it('passes a UTF-8 cell on before its row ends, but keeps a shift_jis row whole for the encoder', async () => {
    const received = async (encoding: 'utf8' | 'shift_jis') => {
      const headers = ['id', 'big'];
      const stream = new CsvRenderStream({
        headers,
        kinds: ['plain', 'text'],
        neutraliseFormulas: true,
        lineEnding: 'crlf',
        encoder: createCsvEncoder(encoding, { headers }),
      });
      let bytes = 0;
      stream.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      const header = stream.bytes;
      for (let part = 0; part < 4; part++) stream.write(part === 0 ? '1,"' : 'x'.repeat(65_536));
      await new Promise((resolve) => setImmediate(resolve));
      return bytes - header;
    };

    expect(await received('utf8')).toBe(3 * 65_536 + 3);
    expect(await received('shift_jis')).toBe(0);
  });

  it.each(['utf8', 'shift_jis'] as const)(
    'touches each byte of a large %s cell a bounded number of times, however many chunks it spans',
    async (encoding) => {
      const size = 8 << 20;

      expect(await bytesTouched(size, encoding)).toBeLessThan(3 * size);
    },
  );
});

describe('renderHeader', () => {
  it('quotes header names the RFC 4180 way', () => {
    const header = renderHeader(['店舗ID', 'a,b', 'say "hi"'], 'crlf').toString('utf8');

    expect(header).toBe('店舗ID,"a,b","say ""hi"""\r\n');
  });
});
