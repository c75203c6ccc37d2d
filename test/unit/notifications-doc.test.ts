import { readFileSync } from 'node:fs';
import path from 'node:path';

const doc = readFileSync(path.join(__dirname, '..', '..', 'docs', 'notifications.md'), 'utf8');

/** The JSON block right after an anchor of docs/notifications.md. */
function exampleAfter(anchor: string): Record<string, unknown> {
  const block = /```json\n([\s\S]*?)```/.exec(doc.slice(doc.indexOf(`<a id="${anchor}"></a>`)))?.[1];
  if (!block) throw new Error(`docs/notifications.md has no JSON example after #${anchor}`);
  return JSON.parse(block);
}

describe('the webhook payload docs/notifications.md documents', () => {
  it('is an SNS notification whose Message is the CloudWatch alarm JSON, with every field the recipes read', () => {
    const envelope = exampleAfter('example-notification');
    expect(envelope).toMatchObject({ Type: 'Notification', Subject: expect.stringMatching(/^ALARM: "nightshift-/) });
    for (const field of ['MessageId', 'TopicArn', 'Timestamp', 'Signature', 'SigningCertURL', 'UnsubscribeURL']) {
      expect(envelope).toHaveProperty(field);
    }

    const alarm = JSON.parse(String(envelope.Message));

    expect(alarm).toMatchObject({
      AlarmName: expect.stringMatching(/^nightshift-prod-[a-z0-9-]+$/),
      AlarmDescription: expect.stringContaining('\nRe-run: '),
      NewStateValue: 'ALARM',
      NewStateReason: expect.stringMatching(/^Threshold Crossed: .*\[1\.0 \(/),
      StateChangeTime: expect.any(String),
      Trigger: expect.objectContaining({ MetricName: 'Errors', TreatMissingData: 'ignore' }),
    });
    expect(String(envelope.Subject)).toContain(alarm.AlarmName);
  });
});
