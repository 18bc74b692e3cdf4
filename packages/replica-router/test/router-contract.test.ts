// The reference router's contract (treeherder tests/config/test_db_routing.py, spec section 6.4), over
// tables instead of Django models.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createReplicaRouter, DEFAULT_ALLOW_LIST } from '../src/index.ts';

const router = createReplicaRouter({
  tableApps: {
    performance_signature: 'perf',
    performance_datum: 'perf',
    issue_tracker: 'perf',
    repository: 'model',
    push: 'model',
    job: 'model',
    auth_user: 'auth',
    django_session: 'sessions',
    etl_thing: 'etl',
  },
});

describe('dbForRead', () => {
  for (const table of ['performance_signature', 'performance_datum', 'issue_tracker']) {
    test(`perf table ${table} with the flag → read_replica`, () => {
      assert.equal(router.dbForRead([table], true), 'read_replica');
    });
  }

  for (const table of ['repository', 'push', 'job']) {
    test(`model table ${table} with the flag → read_replica`, () => {
      assert.equal(router.dbForRead([table], true), 'read_replica');
    });
  }

  test('a join of perf and model tables with the flag → read_replica', () => {
    assert.equal(router.dbForRead(['performance_datum', 'repository', 'push'], true), 'read_replica');
  });

  test('schema-qualified public tables count as the table', () => {
    assert.equal(router.dbForRead(['public.performance_datum'], true), 'read_replica');
  });

  test('without the flag → default, for every app', () => {
    for (const table of ['performance_datum', 'repository', 'auth_user', 'nowhere']) {
      assert.equal(router.dbForRead([table], false), 'default', table);
    }
  });

  for (const table of ['auth_user', 'django_session', 'etl_thing']) {
    test(`non-allow-listed app (${table}) with the flag → default`, () => {
      assert.equal(router.dbForRead([table], true), 'default');
    });
  }

  test('an unmapped table with the flag → default', () => {
    assert.equal(router.dbForRead(['not_declared_anywhere'], true), 'default');
  });

  test('one non-allow-listed table spoils a join → default', () => {
    assert.equal(router.dbForRead(['performance_datum', 'auth_user'], true), 'default');
    assert.equal(router.dbForRead(['repository', 'not_declared_anywhere'], true), 'default');
  });

  test('a table in another schema is not the public one → default', () => {
    assert.equal(router.dbForRead(['other.performance_datum'], true), 'default');
  });
});

describe('dbForWrite', () => {
  test('is always default', () => {
    assert.equal(router.dbForWrite(), 'default');
  });
});

describe('allowRelation', () => {
  test('default and read_replica relate, in both orders', () => {
    assert.equal(router.allowRelation('default', 'read_replica'), true);
    assert.equal(router.allowRelation('read_replica', 'default'), true);
    assert.equal(router.allowRelation('default', 'default'), true);
    assert.equal(router.allowRelation('read_replica', 'read_replica'), true);
  });

  test('any other alias is undecided', () => {
    assert.equal(router.allowRelation('default', 'legacy'), undefined);
    assert.equal(router.allowRelation('legacy', 'read_replica'), undefined);
    assert.equal(router.allowRelation('legacy', 'other'), undefined);
  });
});

describe('allowMigrate', () => {
  test('false for the replica', () => {
    assert.equal(router.allowMigrate('read_replica'), false);
  });

  test('undecided for default and anything else', () => {
    assert.equal(router.allowMigrate('default'), undefined);
    assert.equal(router.allowMigrate('legacy'), undefined);
  });
});

describe('allow-list', () => {
  test('the default allow-list is exactly {perf, model}', () => {
    assert.deepEqual(new Set(DEFAULT_ALLOW_LIST), new Set(['perf', 'model']));
    assert.equal(DEFAULT_ALLOW_LIST.length, 2);
    assert.deepEqual(router.allowList, new Set(['perf', 'model']));
  });

  test('a custom allow-list replaces the default', () => {
    const custom = createReplicaRouter({
      tableApps: { performance_datum: 'perf', auth_user: 'auth' },
      allowList: ['auth'],
    });
    assert.equal(custom.dbForRead(['auth_user'], true), 'read_replica');
    assert.equal(custom.dbForRead(['performance_datum'], true), 'default');
  });

  test('appOf tells the app of a table', () => {
    assert.equal(router.appOf('performance_datum'), 'perf');
    assert.equal(router.appOf('public.repository'), 'model');
    assert.equal(router.appOf('nowhere'), undefined);
  });
});
