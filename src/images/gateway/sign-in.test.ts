import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { tesseraAsync } from '../../../test/helpers/cli.ts';
import { createGatewayTestbed, type GatewayTestbed } from '../../../test/helpers/gateway.ts';
import { buildGateway } from './app.ts';

describe('gateway sign-in, limited per account', () => {
  let t: GatewayTestbed;
  let second: Awaited<ReturnType<typeof buildGateway>>;
  const password = 'correct horse battery';
  let address = 0;

  before(async () => {
    t = await createGatewayTestbed({
      signIn: { lockAfter: 3, firstLock: 60_000, maxLock: 180_000 },
    });
    // Another gateway on the same database: the count and the lock are shared.
    second = await buildGateway(t.gatewayDeps);
    for (const email of ['grace@example.com', 'linus@example.com']) {
      const up = await t.gateway.inject({
        method: 'POST',
        url: '/api/auth/signup',
        payload: { email, password },
      });
      assert.equal(up.statusCode, 201, up.body);
    }
  });
  after(async () => {
    await second.close();
    await t.close();
  });

  // Every attempt from a new address: what stops the guessing here is the account's count, not
  // the per-address rate limit.
  const signIn = (email: string, secret: string, gateway = t.gateway) =>
    gateway.inject({
      method: 'POST',
      url: '/api/auth/signin',
      payload: { email, password: secret },
      remoteAddress: `10.9.${Math.floor(address / 250)}.${(address++ % 250) + 1}`,
    });
  const endLock = (account: string) =>
    t.bed.db.query(
      `update gateway.sign_in_failures set locked_until = now() - interval '1 second' where account = $1`,
      [account],
    );

  test('after 3 failures the account is locked, the right password too; the lock doubles', async () => {
    const email = 'grace@example.com';
    for (let i = 0; i < 3; i++)
      assert.equal((await signIn(email, 'a wrong password')).statusCode, 401);
    const locked = await signIn(email, password);
    assert.equal(locked.statusCode, 429, 'the right password is refused during the lock');
    assert.equal(locked.json().code, 'sign_in_locked');
    assert.equal(
      locked.json().message,
      'Too many failed sign-ins for this account. Try again in 1 minute.',
    );
    const retryAfter = Number(locked.headers['retry-after']);
    assert.ok(retryAfter > 55 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    const elsewhere = await signIn('GRACE@example.com', password, second);
    assert.equal(elsewhere.statusCode, 429, 'another gateway knows of the lock');

    await endLock(email);
    assert.equal((await signIn(email, 'another wrong one')).statusCode, 401);
    const doubled = await signIn(email, password);
    assert.equal(doubled.statusCode, 429);
    assert.ok(Number(doubled.headers['retry-after']) > 115, 'each further failure doubles it');
    assert.match(doubled.json().message, /Try again in 2 minutes/);

    await endLock(email);
    assert.equal((await signIn(email, 'wrong again')).statusCode, 401);
    await endLock(email);
    assert.equal((await signIn(email, 'and yet again')).statusCode, 401);
    const capped = await signIn(email, password);
    const cappedAfter = Number(capped.headers['retry-after']);
    assert.ok(cappedAfter > 175 && cappedAfter <= 180, `up to the longest lock: ${cappedAfter}`);

    await endLock(email);
    assert.equal((await signIn(email, password)).statusCode, 200, 'after the lock, it opens');
    for (let i = 0; i < 2; i++)
      assert.equal((await signIn(email, 'a wrong password')).statusCode, 401);
    assert.equal(
      (await signIn(email, password)).statusCode,
      200,
      'a success starts the count again: two failures lock nothing',
    );
  });

  test('an unknown account answers exactly as a known one', async () => {
    const answers = async (email: string, right: string) => {
      const seen: string[] = [];
      for (const secret of [
        'wrong guess one',
        'wrong guess two',
        'wrong guess three',
        right,
        'wrong guess four',
      ]) {
        const answer = await signIn(email, secret);
        seen.push(`${answer.statusCode} ${answer.json().code} ${answer.json().message}`);
      }
      return seen;
    };
    const known = await answers('linus@example.com', password);
    const unknown = await answers('nobody@example.com', password);
    assert.deepEqual(unknown, known);
    assert.equal(known.filter((a) => a.startsWith('429 sign_in_locked')).length, 2);
  });

  test('a principal added with the CLI by a plain name signs in with that name', async () => {
    const added = await tesseraAsync(
      ['principals', 'add', 'uma', '--role', 'user', '--password-stdin'],
      { databaseUrl: t.bed.database.url, input: `${password}\n` },
    );
    assert.equal(added.status, 0, added.stderr);
    const signedIn = await signIn('Uma', password);
    assert.equal(signedIn.statusCode, 200, signedIn.body);
    assert.equal(signedIn.json().name, 'uma');
    const refused = await tesseraAsync(['principals', 'add', 'uma smith', '--role', 'user'], {
      databaseUrl: t.bed.database.url,
    });
    assert.equal(refused.status, 2, 'a name the sign-in would not take is refused up front');
    assert.match(refused.stderr, /not a principal name: 1 to 200 letters, digits and \. _ @ \+ -/);
    const odd = await signIn('uma smith', password);
    assert.equal(odd.statusCode, 400, 'what no principal can be named is a bad request');
  });
});
