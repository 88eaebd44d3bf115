// Every operator command answers --help with its usage on stdout and exit code 0, and a wrong
// command line with a message naming what is wrong and exit code 2 (issue 12, item 6).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function run(file: string, args: readonly string[], env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const [cmd, argv] = file.endsWith('.sh') ? ['bash', [file, ...args]] : [process.execPath, [file, ...args]];
  // Only PATH and HOME from this process: a developer's EDGE_DEVICE or MQTT_URL must not change the outcome.
  const r = spawnSync(cmd, argv, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const EDGE = 'services/edge-agent/dist/main.js';
const BROKER = 'libs/broker/dist/cli.js';
const TRAIN = 'services/training/dist/cli.js';

test('the edge agent prints its commands, flags and environment for --help, -h and help, and exits 0', () => {
  for (const args of [['--help'], ['-h'], ['help'], ['run', '--help']]) {
    const r = run(EDGE, args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    for (const word of ['usage:', 'run', 'simulate', 'replay [csv]', '--help', 'EDGE_DEVICE', 'EDGE_SOURCES', 'DEVICE_COUNT', 'REPLAY_CSV', 'MQTT_URL']) assert.ok(r.stdout.includes(word), `${args.join(' ')} names ${word}`);
    assert.equal(r.stderr, '');
  }
});

test('the edge agent refuses an unknown command, an unknown flag and a missing EDGE_DEVICE with exit code 2', () => {
  const cases: [string[], Record<string, string>, RegExp][] = [
    [['start'], {}, /unknown command 'start'/],
    [['simulate', '--devices', '3'], {}, /unknown option '--devices'/],
    [['run'], {}, /EDGE_DEVICE: required/],
    [['run'], { EDGE_DEVICE: 'Pump 7' }, /EDGE_DEVICE: must match/],
    [['simulate'], { DEVICE_COUNT: 'many' }, /DEVICE_COUNT/],
    [['replay'], {}, /replay needs a CSV file/],
  ];
  for (const [args, env, message] of cases) {
    const r = run(EDGE, args, env);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

test('the broker credential tool and both account scripts print their usage for --help and exit 0', () => {
  for (const args of [['--help'], ['-h'], ['help'], ['add-device', '--help']]) {
    const r = run(BROKER, args);
    assert.equal(r.code, 0, r.stderr);
    for (const word of ['add-device', 'add-service', 'remove-device', 'remove-service', 'list', 'mosquitto-acl', '--password-stdin', 'PREMONITOR_MQTT_CREDENTIALS_FILE']) assert.ok(r.stdout.includes(word), word);
  }
  for (const [script, words] of [
    ['mosquitto/add-device.sh', ['SITE DEVICE [PASSWORD]', 'MOSQUITTO_PASSWD_FILE', 'PREMONITOR_MQTT_CREDENTIALS_FILE']],
    ['mosquitto/add-core-user.sh', ['NAME ROLE [PASSWORD]', 'model-sync', 'MOSQUITTO_CORE_ACL_FILE']],
  ] as const) {
    const r = run(script, ['--help']);
    assert.equal(r.code, 0, `${script}: ${r.stderr}`);
    for (const word of words) assert.ok(r.stdout.includes(word), `${script} names ${word}`);
    assert.ok(!r.stdout.includes('set -euo'), `${script} prints only its header`);
  }
});

test('the broker credential tool refuses an unknown command or flag with exit code 2', () => {
  const unknown = run(BROKER, ['add-user']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'add-user'/);
  const flag = run(BROKER, ['list', '--bogus']);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /--bogus/);
  assert.equal(run(BROKER, []).code, 2);
  assert.equal(run('mosquitto/add-device.sh', []).code, 2);
});

test('npm run train -- --help prints every model, option and variable and exits 0; an unknown model exits 2', () => {
  const r = run(TRAIN, ['--help']);
  assert.equal(r.code, 0, r.stderr);
  for (const word of ['acoustic', 'thermal-ir', 'telemetry', 'vibration', '--quick', '--register', '--pglite', '--seeds', 'DATABASE_URL', 'MODEL_STORE_DIR']) assert.ok(r.stdout.includes(word), word);
  const bad = run(TRAIN, ['spectrometer']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown model 'spectrometer'/);
});

test('premonitor-auth prints its commands for --help and refuses a wrong command line with exit code 2', () => {
  const AUTH = 'services/platform/dist/auth-cli.js';
  for (const args of [['--help'], ['-h'], ['help'], ['create-token', '--help']]) {
    const r = run(AUTH, args);
    assert.equal(r.code, 0, r.stderr);
    for (const word of ['create-user', 'create-token', 'revoke-token', 'list-tokens', '--sites', '--expires-days', 'DATABASE_URL', 'PM_DATA_DIR']) assert.ok(r.stdout.includes(word), word);
  }
  for (const [args, message] of [
    [['grant'], /unknown command 'grant'/],
    [['create-user', '--name', 'x', '--role', 'root', '--data-dir', '/nonexistent/never'], /unknown role 'root'/],
    [['list-users', '--everything'], /Unknown option '--everything'/],
  ] as const) {
    const r = run(AUTH, args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});
