import {
  fileNameTemplateProblem,
  formatSlot,
  parseSlot,
  renderFileName,
  slotOf,
  temporaryFileName,
} from '../../lambdas/ftp-export/file-name';
import { DEFAULT_FILE_NAME } from '../../lambdas/ftp-export/settings';

describe('slots', () => {
  it('floors an instant to its quarter hour in JST', () => {
    const slot = slotOf(new Date('2025-08-11T00:29:59.999Z')); // 09:29:59 JST

    expect(formatSlot(slot)).toBe('2025-08-11T09:15');
  });

  it('puts 23:50 UTC into the next JST day', () => {
    expect(formatSlot(slotOf(new Date('2025-08-10T23:50:00Z')))).toBe('2025-08-11T08:45');
  });

  it('parses a payload slot as JST wall time', () => {
    expect(parseSlot('2025-08-11T09:15').toISOString()).toBe('2025-08-11T00:15:00.000Z');
  });

  it('rejects a slot that is not on a quarter hour', () => {
    expect(() => parseSlot('2025-08-11T09:10')).toThrow('not on a quarter hour');
  });

  it('rejects a slot that is not a real date', () => {
    expect(() => parseSlot('2025-02-30T09:15')).toThrow('not a valid date');
  });
});

describe('file names', () => {
  it('names the default file after the slot, not the wall clock', () => {
    const slot = parseSlot('2025-08-11T09:15');

    expect(renderFileName(DEFAULT_FILE_NAME, slot, 'acme')).toBe('visitor_data_20250811_0915.csv');
  });

  it('fills the recipient placeholder', () => {
    expect(renderFileName('{recipient}_{YYYY}-{MM}-{DD}.csv', parseSlot('2025-01-02T00:00'), 'acme')).toBe(
      'acme_2025-01-02.csv',
    );
  });

  it('gives the upload a temporary name that no *.csv pattern matches', () => {
    const name = temporaryFileName('visitor_data_20250811_0915.csv', 'ab12cd34');

    expect(name).toBe('visitor_data_20250811_0915.csv.ab12cd34.part');
  });

  it('accepts the default template and refuses a name ending in .part', () => {
    expect(fileNameTemplateProblem(DEFAULT_FILE_NAME)).toBeUndefined();
    expect(fileNameTemplateProblem('x_{HH}.part')).toMatch('must not end in ".part"');
  });
});
