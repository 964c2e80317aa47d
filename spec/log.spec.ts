import { expect } from 'chai';
import sinon from 'sinon';
import { appLog, formatRecord, genLog, Logger, LogLevel, stderrHandler, type LogRecord } from '../lib/log.js';

/** A fresh logger whose records land in the returned array. */
function recordingLogger(): { logger: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const logger = new Logger('test.logger');
  logger.replaceHandlers([(record) => records.push(record)]);
  return { logger, records };
}

/** What `fn` wrote to stderr (and nothing reaches the real stderr). */
function stderrOf(fn: () => void): string {
  const writes: string[] = [];
  const write = sinon.stub(process.stderr, 'write').callsFake((chunk: string | Uint8Array) => {
    writes.push(String(chunk));
    return true;
  });
  try {
    fn();
  } finally {
    write.restore();
  }
  return writes.join('');
}

describe('log', () => {
  describe('named loggers', () => {
    it('names the application and general loggers as Tornado does, under whirlwind', () => {
      expect(appLog.name).to.equal('whirlwind.application');
      expect(genLog.name).to.equal('whirlwind.general');
    });

    it('writes to stderr by default, one formatted line per record', () => {
      const logger = new Logger('default.handlers');
      const written = stderrOf(() => logger.warning('disk %s full', 'almost'));
      expect(written).to.match(/^\[W \d{6} \d\d:\d\d:\d\d default\.handlers\] disk almost full\n$/);
    });
  });

  describe('levels', () => {
    it('drops records below the level, INFO by default', () => {
      const { logger, records } = recordingLogger();
      logger.debug('hidden');
      logger.info('shown');
      expect(records.map((r) => [r.level, r.message])).to.deep.equal([[LogLevel.INFO, 'shown']]);
    });

    it('passes records at or above a level set with setLevel', () => {
      const { logger, records } = recordingLogger();
      logger.setLevel(LogLevel.WARNING);
      logger.info('dropped');
      logger.warning('warning');
      logger.error('error');
      logger.critical('critical');
      expect(records.map((r) => r.level)).to.deep.equal([LogLevel.WARNING, LogLevel.ERROR, LogLevel.CRITICAL]);
      expect(logger.isEnabledFor(LogLevel.INFO)).to.equal(false);
      expect(logger.isEnabledFor(LogLevel.WARNING)).to.equal(true);
    });

    it('orders levels with the numbers of Python logging', () => {
      expect([LogLevel.DEBUG, LogLevel.INFO, LogLevel.WARNING, LogLevel.ERROR, LogLevel.CRITICAL]).to.deep.equal([
        10, 20, 30, 40, 50,
      ]);
    });

    it('takes any level through log()', () => {
      const { logger, records } = recordingLogger();
      logger.log(LogLevel.ERROR, 'via log %d', [7]);
      expect(records.map((r) => [r.level, r.message])).to.deep.equal([[LogLevel.ERROR, 'via log 7']]);
    });
  });

  describe('records', () => {
    it('carries the logger name, level, formatted message and creation time', () => {
      const { logger, records } = recordingLogger();
      const clock = sinon.useFakeTimers({ toFake: ['Date'], now: 1_700_000_000_000 });
      try {
        logger.info('%s has %d items (%%)', 'cart', 3);
      } finally {
        clock.restore();
      }
      expect(records).to.deep.equal([
        { logger: 'test.logger', level: LogLevel.INFO, message: 'cart has 3 items (%)', created: 1_700_000_000_000 },
      ]);
    });

    it('makes an argument left over after the placeholders the error of the record', () => {
      const { logger, records } = recordingLogger();
      const error = new Error('boom');
      logger.error('Exception in callback %s', 'tick', error);
      expect(records[0].message).to.equal('Exception in callback tick');
      expect(records[0].error).to.equal(error);
    });

    it('accepts any thrown value as the error, not only Error instances', () => {
      const { logger, records } = recordingLogger();
      logger.error('failed', 'a thrown string');
      expect(records[0].message).to.equal('failed');
      expect(records[0].error).to.equal('a thrown string');
    });

    it('has no error when every argument fills a placeholder', () => {
      const { logger, records } = recordingLogger();
      logger.error('%s and %o', 'text', { a: 1 });
      expect(records[0]).to.not.have.property('error');
      expect(records[0].message).to.equal('text and { a: 1 }');
    });

    it('leaves a message without arguments untouched, placeholders included', () => {
      const { logger, records } = recordingLogger();
      logger.info('100%s literal');
      expect(records[0].message).to.equal('100%s literal');
    });
  });

  describe('handlers', () => {
    it('gives every record to each handler, in the order they were added', () => {
      const { logger, records } = recordingLogger();
      const second: string[] = [];
      const handler = (r: LogRecord) => second.push(`second saw ${r.message}`);
      logger.addHandler(handler);
      logger.info('one');
      logger.removeHandler(handler);
      logger.info('two');
      expect(records.map((r) => r.message)).to.deep.equal(['one', 'two']);
      expect(second).to.deep.equal(['second saw one']);
    });

    it('swaps the handler list with replaceHandlers and puts it back with the returned function', () => {
      const logger = new Logger('swapped');
      const captured: string[] = [];
      const restore = logger.replaceHandlers([(r) => captured.push(r.message)]);
      const quiet = stderrOf(() => logger.info('captured'));
      restore();
      const loud = stderrOf(() => logger.info('back on stderr'));
      expect(captured).to.deep.equal(['captured']);
      expect(quiet).to.equal('');
      expect(loud).to.contain('back on stderr');
    });

    it('survives a throwing handler: the others still get the record and the failure goes to stderr', () => {
      const { logger, records } = recordingLogger();
      logger.replaceHandlers([
        () => {
          throw new Error('handler broke');
        },
        (r) => records.push(r),
      ]);
      const written = stderrOf(() => logger.error('still delivered'));
      expect(records.map((r) => r.message)).to.deep.equal(['still delivered']);
      expect(written).to.equal('whirlwind: log handler failed: Error: handler broke\n');
    });

    it('survives a handler that throws something that cannot be turned into a string', () => {
      const { logger, records } = recordingLogger();
      const unprintable = Object.create(null); // String() of it throws
      logger.replaceHandlers([
        () => {
          throw unprintable;
        },
        (r) => records.push(r),
      ]);
      const written = stderrOf(() => logger.error('still delivered'));
      expect(records.map((r) => r.message)).to.deep.equal(['still delivered']);
      expect(written).to.equal('whirlwind: log handler failed: [Object: null prototype] {}\n');
    });

    it('formats an argument that format() cannot read (a revoked Proxy) by describing it', () => {
      const { logger, records } = recordingLogger();
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      logger.info('got %s', proxy);
      expect(records.map((r) => r.message)).to.deep.equal(['got <Revoked Proxy>']);
    });
  });

  describe('filters', () => {
    it('survives a throwing filter: the record still reaches the handlers and the failure goes to stderr', () => {
      const { logger, records } = recordingLogger();
      logger.addFilter(() => {
        throw new Error('filter broke');
      });
      const written = stderrOf(() => logger.error('still delivered'));
      expect(records.map((r) => r.message)).to.deep.equal(['still delivered']);
      expect(written).to.equal('whirlwind: log filter failed: Error: filter broke\n');
    });

    it('lets a later filter still swallow a record after an earlier one threw', () => {
      const { logger, records } = recordingLogger();
      logger.addFilter(() => {
        throw new Error('filter broke');
      });
      logger.addFilter(() => false);
      stderrOf(() => logger.error('swallowed'));
      expect(records).to.deep.equal([]);
    });

    it('lets a filter swallow a record before any handler sees it', () => {
      const { logger, records } = recordingLogger();
      const seenByFilter: string[] = [];
      const filter = (r: LogRecord) => {
        seenByFilter.push(r.message);
        return !r.message.startsWith('noise');
      };
      logger.addFilter(filter);
      logger.info('noise: ignore me');
      logger.info('signal');
      logger.removeFilter(filter);
      logger.info('noise again');
      expect(seenByFilter).to.deep.equal(['noise: ignore me', 'signal']);
      expect(records.map((r) => r.message)).to.deep.equal(['signal', 'noise again']);
    });

    it('shows filters only records that passed the level', () => {
      const { logger } = recordingLogger();
      const seen: string[] = [];
      logger.addFilter((r) => seen.push(r.message) > 0);
      logger.debug('below the level');
      expect(seen).to.deep.equal([]);
    });
  });

  describe('formatRecord and the stderr handler', () => {
    const created = new Date(2026, 10, 25, 3, 8, 18).getTime();

    it("renders a record as Tornado's LogFormatter does: level letter, date, time, logger", () => {
      const line = formatRecord({
        logger: 'whirlwind.application',
        level: LogLevel.ERROR,
        message: 'it broke',
        created,
      });
      expect(line).to.equal('[E 261125 03:08:18 whirlwind.application] it broke');
    });

    it('uses one letter per level', () => {
      const letters = [LogLevel.DEBUG, LogLevel.INFO, LogLevel.WARNING, LogLevel.ERROR, LogLevel.CRITICAL].map(
        (level) => formatRecord({ logger: 'l', level, message: '', created })[1],
      );
      expect(letters.join('')).to.equal('DIWEC');
    });

    it("appends the error's stack on the following lines", () => {
      const error = new Error('with a stack');
      const line = formatRecord({ logger: 'l', level: LogLevel.ERROR, message: 'failed', created, error });
      expect(line).to.equal(`[E 261125 03:08:18 l] failed\n${error.stack}`);
    });

    it('inspects an error that is not an Error instance', () => {
      const line = formatRecord({ logger: 'l', level: LogLevel.ERROR, message: 'failed', created, error: { code: 7 } });
      expect(line).to.equal('[E 261125 03:08:18 l] failed\n{ code: 7 }');
    });

    it('writes the formatted record and a newline to stderr', () => {
      const record = { logger: 'l', level: LogLevel.INFO, message: 'hello', created };
      expect(stderrOf(() => stderrHandler(record))).to.equal(`${formatRecord(record)}\n`);
    });
  });
});
