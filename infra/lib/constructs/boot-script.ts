// The user data of every Tessera instance, as shell lines: install the release, write the settings
// and systemd units, start the processes and wait until they answer. CloudFormation substitutes
// any CDK tokens in these strings before the shell sees them.

/** One `tessera serve …` process on an instance. */
export type ServeProcess = {
  /** The `tessera serve` subcommand: web, portal, image-api, gateway, stream-ingest. */
  service: string;
  port: number;
  /** Answered once the process is up (any HTTP status counts: the portal refuses 127.0.0.1). */
  healthPath: string;
};

/** A value fetched at every start, never written into user data. */
export type RuntimeValue =
  | { variable: string; kind: 'database-url'; secretArn: string }
  | { variable: string; kind: 'secret-string'; secretArn: string }
  | { variable: string; kind: 'kafka-brokers'; clusterArn: string }
  /** rediss://:<AUTH token>@host:port: TLS, the token from Secrets Manager. */
  | { variable: string; kind: 'redis-url'; secretArn: string; host: string; port: string };

export type BootScriptInput = {
  region: string;
  release: { bucketName: string; key: string };
  processes: ServeProcess[];
  environment: Record<string, string>;
  runtimeValues: RuntimeValue[];
  /** Apply `tessera db migrate` (advisory-locked, each migration once) before any process starts. */
  migrate: boolean;
  logGroupName: string;
};

export const RELEASE_DIR = '/opt/tessera/release';
const NODE = `${RELEASE_DIR}/runtime/node`;
const ENV_FILE = '/etc/tessera/tessera.env';
const SECRETS_FILE = '/run/tessera/secrets.env';
const RDS_CA = '/etc/tessera/rds-ca.pem';

export function bootScript(input: BootScriptInput): string[] {
  const needsDatabase = input.runtimeValues.some((v) => v.kind === 'database-url');
  return [
    'set -euo pipefail',
    ...installRelease(input),
    ...(needsDatabase
      ? [
          `curl -fsSL https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem -o ${RDS_CA}`,
        ]
      : []),
    ...writeFile(ENV_FILE, environmentFile(input, needsDatabase)),
    ...writeFile('/usr/local/libexec/tessera-secrets', secretsScript(input), '0700'),
    ...writeFile('/usr/local/libexec/tessera-database-url.mjs', databaseUrlScript(), '0644'),
    ...writeFile('/usr/local/bin/tessera', operatorWrapper(), '0755'),
    ...writeFile('/etc/systemd/system/tessera-secrets.service', secretsUnit()),
    ...(input.migrate
      ? writeFile('/etc/systemd/system/tessera-migrate.service', migrateUnit())
      : []),
    ...input.processes.flatMap((p) =>
      writeFile(`/etc/systemd/system/tessera-${p.service}.service`, serveUnit(p, input.migrate)),
    ),
    ...writeFile('/etc/logrotate.d/tessera', logrotateConfig()),
    ...writeFile('/opt/aws/amazon-cloudwatch-agent/etc/tessera.json', cloudWatchAgentConfig(input)),
    'amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:/opt/aws/amazon-cloudwatch-agent/etc/tessera.json',
    'systemctl daemon-reload',
    `systemctl enable --now ${input.processes.map((p) => `tessera-${p.service}.service`).join(' ')}`,
    ...waitUntilAnswering(input.processes),
  ];
}

function installRelease(input: BootScriptInput): string[] {
  return [
    'dnf install -y amazon-cloudwatch-agent aws-cfn-bootstrap',
    'id tessera >/dev/null 2>&1 || useradd --system --home-dir /var/lib/tessera --shell /sbin/nologin tessera',
    'install -d -m 0755 /etc/tessera /opt/tessera /usr/local/libexec',
    'install -d -m 0750 -o tessera -g tessera /var/log/tessera',
    `aws s3 cp --region ${input.region} "s3://${input.release.bucketName}/${input.release.key}" /tmp/tessera-release.tgz`,
    `rm -rf ${RELEASE_DIR} && install -d -m 0755 ${RELEASE_DIR}`,
    `tar -xzf /tmp/tessera-release.tgz -C ${RELEASE_DIR} --no-same-owner && rm /tmp/tessera-release.tgz`,
    // The release carries its own Node 24 (docs/deploy-aws.md, "Building a release").
    `test -x ${NODE}`,
  ];
}

/** A file written by a quoted heredoc, so the shell expands nothing inside it. */
function writeFile(path: string, lines: string[], mode = '0644'): string[] {
  return [`cat > ${path} <<'TESSERA_EOF'`, ...lines, 'TESSERA_EOF', `chmod ${mode} ${path}`];
}

function environmentFile(input: BootScriptInput, needsDatabase: boolean): string[] {
  const common: Record<string, string> = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    TESSERA_DATA_DIR: '/var/lib/tessera',
    AWS_REGION: input.region,
    ...(needsDatabase ? { NODE_EXTRA_CA_CERTS: RDS_CA } : {}),
  };
  return Object.entries({ ...common, ...input.environment }).map(([k, v]) => `${k}='${v}'`);
}

/** Secrets are read at each start, so a rotated value is picked up by a restart. */
function secretsScript(input: BootScriptInput): string[] {
  const region = input.region;
  const secret = (arn: string) =>
    `aws secretsmanager get-secret-value --region ${region} --secret-id '${arn}' --query SecretString --output text`;
  const command = (value: RuntimeValue): string => {
    switch (value.kind) {
      case 'database-url':
        return `${secret(value.secretArn)} | ${NODE} /usr/local/libexec/tessera-database-url.mjs`;
      case 'secret-string':
        return secret(value.secretArn);
      case 'redis-url':
        // The token is letters and digits (generated so), safe in a URL as it is.
        return `printf 'rediss://:%s@%s:%s' "$(${secret(value.secretArn)})" '${value.host}' '${value.port}'`;
      case 'kafka-brokers':
        return `aws kafka get-bootstrap-brokers --region ${region} --cluster-arn '${value.clusterArn}' --query BootstrapBrokerStringSaslIam --output text`;
    }
  };
  return [
    '#!/bin/bash',
    `# Writes ${SECRETS_FILE} (root only, on tmpfs) from Secrets Manager and MSK.`,
    'set -euo pipefail',
    'umask 077',
    'install -d -m 0700 /run/tessera',
    'out=$(mktemp /run/tessera/secrets.XXXXXX)',
    ...input.runtimeValues.map(
      (value) => `printf "%s='%s'\\n" ${value.variable} "$(${command(value)})" >> "$out"`,
    ),
    `mv "$out" ${SECRETS_FILE}`,
  ];
}

/** RDS keeps the login as JSON; the processes want a URL, TLS verified against the RDS CA. */
function databaseUrlScript(): string[] {
  return [
    "let raw = '';",
    'for await (const chunk of process.stdin) raw += chunk;',
    'const s = JSON.parse(raw);',
    "const enc = (v) => encodeURIComponent(String(v)).replaceAll(\"'\", '%27');",
    "const db = s.dbname ?? 'postgres';",
    "const url = 'postgres://' + enc(s.username) + ':' + enc(s.password) + '@' + s.host + ':' + s.port;",
    "process.stdout.write(url + '/' + enc(db) + '?sslmode=verify-full');",
  ];
}

/** `sudo tessera <command>` on an instance: the CLI as the service user, with its settings. */
function operatorWrapper(): string[] {
  return [
    '#!/bin/bash',
    'set -euo pipefail',
    'systemctl start tessera-secrets.service',
    `set -a; . ${ENV_FILE}; . ${SECRETS_FILE}; set +a`,
    `cd ${RELEASE_DIR}`,
    `exec runuser -u tessera -- ${NODE} src/cli.ts "$@"`,
  ];
}

function secretsUnit(): string[] {
  return [
    '[Unit]',
    'Description=Tessera: fetch secrets for the services',
    'Wants=network-online.target',
    'After=network-online.target',
    '[Service]',
    'Type=oneshot',
    'ExecStart=/usr/local/libexec/tessera-secrets',
  ];
}

function hardenedService(logName: string): string[] {
  return [
    'User=tessera',
    'Group=tessera',
    `WorkingDirectory=${RELEASE_DIR}`,
    `EnvironmentFile=${ENV_FILE}`,
    `EnvironmentFile=${SECRETS_FILE}`,
    'StateDirectory=tessera',
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    'ProtectHome=yes',
    'PrivateTmp=yes',
    'ReadWritePaths=/var/lib/tessera /var/log/tessera',
    `StandardOutput=append:/var/log/tessera/${logName}.log`,
    `StandardError=append:/var/log/tessera/${logName}.log`,
  ];
}

function migrateUnit(): string[] {
  return [
    '[Unit]',
    "Description=Tessera: apply this release's migrations (each once, under an advisory lock)",
    'Requires=tessera-secrets.service',
    'After=tessera-secrets.service',
    '[Service]',
    'Type=oneshot',
    'RemainAfterExit=yes',
    ...hardenedService('migrate'),
    `ExecStart=${NODE} src/cli.ts db migrate`,
  ];
}

function serveUnit(process: ServeProcess, migrate: boolean): string[] {
  const before = migrate
    ? 'tessera-secrets.service tessera-migrate.service'
    : 'tessera-secrets.service';
  return [
    '[Unit]',
    `Description=Tessera: tessera serve ${process.service}`,
    `Requires=${before}`,
    `After=${before}`,
    '[Service]',
    ...hardenedService(process.service),
    `ExecStart=${NODE} src/cli.ts serve ${process.service} --port ${process.port}`,
    'Restart=always',
    'RestartSec=5',
    '[Install]',
    'WantedBy=multi-user.target',
  ];
}

function logrotateConfig(): string[] {
  return [
    '/var/log/tessera/*.log {',
    '  daily',
    '  rotate 3',
    '  compress',
    '  missingok',
    '  copytruncate',
    '}',
  ];
}

function cloudWatchAgentConfig(input: BootScriptInput): string[] {
  const names = [...(input.migrate ? ['migrate'] : []), ...input.processes.map((p) => p.service)];
  const collect = names.map((name) => ({
    file_path: `/var/log/tessera/${name}.log`,
    log_group_name: input.logGroupName,
    log_stream_name: `{instance_id}/${name}`,
  }));
  return [
    JSON.stringify({ logs: { logs_collected: { files: { collect_list: collect } } } }, null, 2),
  ];
}

/** The instance signals CloudFormation only once every process answers HTTP. */
function waitUntilAnswering(processes: ServeProcess[]): string[] {
  return processes.map(
    (p) =>
      `for i in $(seq 60); do curl -s -o /dev/null --max-time 2 http://127.0.0.1:${p.port}${p.healthPath} && break; [ "$i" = 60 ] && { echo "tessera serve ${p.service} does not answer" >&2; exit 1; }; sleep 5; done`,
  );
}
