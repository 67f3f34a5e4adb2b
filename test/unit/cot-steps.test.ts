import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { assembleTrace, detectFinalAnswer, splitSteps, splitTrace } from '../../src/core/cot/index.js';

const fixture = (name: string): string => fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'cot', name), 'utf8');
const texts = (input: string): string[] => splitSteps(input).map((s) => s.text);

function assertOffsets(input: string): void {
  for (const s of splitTrace(input).steps) assert.equal(input.slice(s.start, s.end), s.text);
}

describe('splitSteps', () => {
  test('paragraphs on blank lines, exact offsets', () => {
    const input = 'First step.\nStill first.\n\nSecond step.\n\n\nThird.';
    assert.deepEqual(texts(input), ['First step.\nStill first.', 'Second step.', 'Third.']);
    assertOffsets(input);
    assert.equal(
      assembleTrace(splitTrace(input), () => true),
      'First step.\nStill first.\n\nSecond step.\n\nThird.',
    );
  });

  test('whitespace-only lines separate steps', () => {
    const input = 'a\n  \t \nb\n \nc';
    assert.deepEqual(texts(input), ['a', 'b', 'c']);
  });

  test('CRLF blank lines separate; output keeps CRLF', () => {
    const input = 'one\r\nline two\r\n\r\nthree\r\n \r\nfour\r\n';
    const split = splitTrace(input);
    assert.deepEqual(
      split.steps.map((s) => s.text),
      ['one\r\nline two', 'three', 'four'],
    );
    assert.equal(split.newline, '\r\n');
    assertOffsets(input);
    assert.equal(assembleTrace(split, new Set([0, 2])), 'one\r\nline two\r\n\r\nfour\r\n');
  });

  test('never splits inside a fence; the fence belongs to the step that opens it', () => {
    const input = 'So the code:\n```python\ndef f():\n\n    return 1\n\n\n```\nafter the fence\n\nNext step.';
    assert.deepEqual(texts(input), [
      'So the code:\n```python\ndef f():\n\n    return 1\n\n\n```\nafter the fence',
      'Next step.',
    ]);
    assertOffsets(input);
  });

  test('tilde fences and longer markers: a shorter marker inside does not close', () => {
    const input = '~~~\na\n\nb\n~~~\n\n````md\n```\n\ninner\n```\n\n````\n\nend';
    assert.deepEqual(texts(input), ['~~~\na\n\nb\n~~~', '````md\n```\n\ninner\n```\n\n````', 'end']);
  });

  test('an unclosed fence is an ordinary line', () => {
    const input = 'text with ``` stray\n\n```\nnever closed\n\nlast';
    assert.deepEqual(texts(input), ['text with ``` stray', '```\nnever closed', 'last']);
  });

  test('indented fences (in lists) are fences too', () => {
    const input = '1. Write it:\n   ```\n   x = 1\n\n   y = 2\n   ```\n2. Done.\n\nNext';
    assert.deepEqual(texts(input), ['1. Write it:\n   ```\n   x = 1\n\n   y = 2\n   ```\n2. Done.', 'Next']);
  });

  test('nested lists without blank lines stay one step; indentation is kept', () => {
    const input = '- a\n  - a.1\n    - a.1.1\n- b\n\n    indented paragraph\n    second line';
    const steps = splitSteps(input);
    assert.deepEqual(
      steps.map((s) => s.text),
      ['- a\n  - a.1\n    - a.1.1\n- b', '    indented paragraph\n    second line'],
    );
    assertOffsets(input);
  });

  test('leading/trailing whitespace goes to prefix/suffix, trailing spaces of a step are not part of it', () => {
    const input = '\n\n  \nfoo  \nbar \t\n\n\n';
    const split = splitTrace(input);
    assert.deepEqual(
      split.steps.map((s) => s.text),
      ['foo  \nbar'],
    );
    assert.equal(split.prefix, '\n\n  \n');
    assert.equal(split.suffix, ' \t\n\n\n');
    assert.equal(
      assembleTrace(split, () => true),
      input,
    );
  });

  test('<think> wrappers stay verbatim and attached; the answer after </think> is never a step', () => {
    const input = 'User: q\n<think>\nStep one.\n\nStep two.\n\nStep three.\n</think>\n\nAnswer text';
    const split = splitTrace(input);
    assert.deepEqual(
      split.steps.map((s) => s.text),
      ['Step one.', 'Step two.', 'Step three.'],
    );
    assert.equal(split.prefix, 'User: q\n<think>\n');
    assert.equal(split.suffix, '\n</think>\n\nAnswer text');
    assert.equal(assembleTrace(split, new Set([1])), 'User: q\n<think>\nStep two.\n</think>\n\nAnswer text');
    assert.equal(assembleTrace(split, new Set()), 'User: q\n<think>\n\n</think>\n\nAnswer text');
  });

  test('inline tags: <think>text on the same line, text</think> on the same line', () => {
    const input = '<think>Okay.\n\nMiddle.\n\nDone.</think>final';
    const split = splitTrace(input);
    assert.deepEqual(
      split.steps.map((s) => s.text),
      ['Okay.', 'Middle.', 'Done.'],
    );
    assert.equal(assembleTrace(split, new Set([0, 2])), '<think>Okay.\n\nDone.</think>final');
    assert.equal(assembleTrace(split, new Set([1])), '<think>Middle.</think>final');
  });

  test('a closing tag without an opening tag bounds the steps', () => {
    const split = splitTrace('a\n\nb\n</think>\nanswer');
    assert.deepEqual(
      split.steps.map((s) => s.text),
      ['a', 'b'],
    );
    assert.equal(split.hasOpenTag, false);
    assert.equal(split.hasCloseTag, true);
  });

  test('empty and blank input', () => {
    assert.deepEqual(splitSteps(''), []);
    assert.deepEqual(splitSteps('\n \n\t\n'), []);
    assert.equal(
      assembleTrace(splitTrace(' \n'), () => true),
      ' \n',
    );
  });

  test('fixture: all steps kept reproduces the input (single blank-line separators)', () => {
    const input = fixture('pair-sum.trace.txt');
    const split = splitTrace(input);
    assert.equal(split.steps.length, 12);
    assertOffsets(input);
    assert.equal(
      assembleTrace(split, () => true),
      input,
    );
  });
});

describe('detectFinalAnswer', () => {
  test('user-supplied answer wins', () => {
    const a = detectFinalAnswer(splitTrace('x\n</think>\nafter'), 'mine');
    assert.deepEqual(a, { text: 'mine', source: 'user', stepIndices: [] });
  });

  test('text after </think>', () => {
    const a = detectFinalAnswer(splitTrace(fixture('pair-sum.trace.txt')));
    assert.equal(a.source, 'after-think');
    assert.match(a.text, /^```python\nimport sys/);
    assert.deepEqual(a.stepIndices, []);
  });

  test('an explicit "Final answer" / "Answer:" section (the last one, outside fences)', () => {
    const input = 'Think.\n\n```\nAnswer: not this\n```\n\n**Final Answer**\n\nThe result is 42.';
    const a = detectFinalAnswer(splitTrace(input));
    assert.equal(a.source, 'answer-section');
    assert.equal(a.text, '**Final Answer**\n\nThe result is 42.');
    assert.deepEqual(a.stepIndices, [2, 3]);
    const b = detectFinalAnswer(splitTrace('Work.\n\nAnswer: 7'));
    assert.equal(b.source, 'answer-section');
    assert.equal(b.text, 'Answer: 7');
  });

  test('the last fenced code block of the trace', () => {
    const input = 'Draft:\n```py\nx = 1\n```\n\nBetter:\n\n```py\nx = 2\n```\n\nThat is it.';
    const a = detectFinalAnswer(splitTrace(input));
    assert.equal(a.source, 'last-code-block');
    assert.equal(a.text, '```py\nx = 2\n```');
    assert.deepEqual(a.stepIndices, [2]);
  });

  test('none', () => {
    assert.equal(detectFinalAnswer(splitTrace('just words\n\nmore words')).source, 'none');
  });
});
