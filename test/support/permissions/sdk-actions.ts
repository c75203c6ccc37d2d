/**
 * From names our code imports to the AWS SDK commands esbuild bundles, and from SDK commands to
 * the IAM actions AWS authorizes them with.
 */

/** Where a call name is imported from, and the SDK command(s) it sends. */
const CALL_SOURCES: ReadonlyArray<{
  from: RegExp;
  commands: (name: string, from: RegExpExecArray) => readonly string[] | undefined;
}> = [
  // A client command: `PutObjectCommand` from '@aws-sdk/client-s3' is `client-s3/PutObjectCommand`.
  {
    from: /^@aws-sdk\/(client-[a-z0-9-]+)$/,
    commands: (name, [, client]) =>
      name.endsWith('Command')
        ? [`${client}/${name}`]
        : name.startsWith('paginate')
          ? [`${client}/${name.slice(8)}Command`]
          : undefined,
  },
  // The DynamoDB document client wraps one client command per command (lib-dynamodb/dist-es/commands).
  {
    from: /^@aws-sdk\/lib-dynamodb$/,
    commands: (name) => {
      const wrapped = DOCUMENT_COMMANDS[name.startsWith('paginate') ? `${name.slice(8)}Command` : name];
      return wrapped ? [`client-dynamodb/${wrapped}`] : undefined;
    },
  },
  // lib-storage's Upload: one PutObject for a small body, else a multipart upload (aborted on error).
  {
    from: /^@aws-sdk\/lib-storage$/,
    commands: (name) =>
      name === 'Upload'
        ? [
            'client-s3/PutObjectCommand',
            'client-s3/CreateMultipartUploadCommand',
            'client-s3/UploadPartCommand',
            'client-s3/CompleteMultipartUploadCommand',
            'client-s3/AbortMultipartUploadCommand',
          ]
        : undefined,
  },
  // Powertools Parameters reads a secret with GetSecretValue (and caches it).
  {
    from: /^@aws-lambda-powertools\/parameters\/secrets$/,
    commands: (name) => (name === 'SecretsProvider' ? ['client-secrets-manager/GetSecretValueCommand'] : undefined),
  },
  // Our one paging helper: Query until LastEvaluatedKey runs out, on the table its caller names.
  {
    from: /(^#shared\/|\/)query-all$/,
    commands: (name) => (name === 'queryAll' ? ['client-dynamodb/QueryCommand'] : undefined),
  },
];

const DOCUMENT_COMMANDS: Record<string, string> = {
  GetCommand: 'GetItemCommand',
  PutCommand: 'PutItemCommand',
  UpdateCommand: 'UpdateItemCommand',
  DeleteCommand: 'DeleteItemCommand',
  QueryCommand: 'QueryCommand',
  ScanCommand: 'ScanCommand',
  BatchGetCommand: 'BatchGetItemCommand',
  BatchWriteCommand: 'BatchWriteItemCommand',
  TransactGetCommand: 'TransactGetItemsCommand',
  TransactWriteCommand: 'TransactWriteItemsCommand',
  ExecuteStatementCommand: 'ExecuteStatementCommand',
  BatchExecuteStatementCommand: 'BatchExecuteStatementCommand',
  ExecuteTransactionCommand: 'ExecuteTransactionCommand',
};

/** The SDK commands a name imported from `source` sends, or undefined when the name sends nothing. */
export function commandsOfImport(source: string, name: string): readonly string[] | undefined {
  for (const candidate of CALL_SOURCES) {
    const match = candidate.from.exec(source);
    if (match) return candidate.commands(name, match);
  }
  return undefined;
}

/** The IAM namespace of each SDK client package. */
const SERVICE_PREFIX: Record<string, string> = {
  'client-dynamodb': 'dynamodb',
  'client-s3': 's3',
  'client-secrets-manager': 'secretsmanager',
  'client-lambda': 'lambda',
  'client-scheduler': 'scheduler',
  'client-cloudwatch': 'cloudwatch',
  'client-cloudwatch-logs': 'logs',
  'client-cloudformation': 'cloudformation',
};

/**
 * Operations whose IAM action is not `<prefix>:<Operation>`, per the AWS service authorization
 * reference (S3: "Required permissions for Amazon S3 API operations").
 */
const ACTION_OF_OPERATION: Record<string, readonly string[]> = {
  's3:ListObjectsV2': ['s3:ListBucket'],
  's3:HeadObject': ['s3:GetObject'],
  's3:HeadBucket': ['s3:ListBucket'],
  's3:DeleteObjects': ['s3:DeleteObject'],
  // Reads the source, writes the destination.
  's3:CopyObject': ['s3:GetObject', 's3:PutObject'],
  's3:CreateMultipartUpload': ['s3:PutObject'],
  's3:UploadPart': ['s3:PutObject'],
  's3:CompleteMultipartUpload': ['s3:PutObject'],
  'lambda:Invoke': ['lambda:InvokeFunction'],
};

/** `client-s3/CopyObjectCommand` → `['s3:GetObject', 's3:PutObject']`. */
export function actionsOfCommand(command: string): readonly string[] {
  const [client, name] = command.split('/');
  const prefix = SERVICE_PREFIX[client];
  if (!prefix) throw new Error(`${command}: no IAM namespace known for ${client} (add it to SERVICE_PREFIX)`);
  const operation = `${prefix}:${name.replace(/Command$/, '')}`;
  return ACTION_OF_OPERATION[operation] ?? [operation];
}

/** Every call-sending name a source file imports, with the module it comes from. */
export function callImportsOf(source: string): Array<{ name: string; from: string; commands: readonly string[] }> {
  const found: Array<{ name: string; from: string; commands: readonly string[] }> = [];
  for (const match of source.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s*from\s*'([^']+)'/g)) {
    if (match[1]) continue;
    for (const specifier of match[2].split(',')) {
      const [imported] = specifier.trim().split(/\s+as\s+/);
      if (!imported || imported.startsWith('type ')) continue;
      const commands = commandsOfImport(match[3], imported);
      if (commands) found.push({ name: imported, from: match[3], commands });
    }
  }
  return found;
}
