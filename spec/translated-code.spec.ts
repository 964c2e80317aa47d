import { expect } from 'chai';
import { codeLines, translationDifferences } from './support/translated-code.js';

describe('the translation check for docs code blocks', () => {
  describe('codeLines', () => {
    it('drops line comments, block comments and the lines they leave empty', () => {
      const lines = codeLines('// a comment\nconst a = 1; // why\n/* one\n   two */\nconst b = /* inline */ 2;\n');
      expect(lines.map((line) => line.text)).to.deep.equal(['const a = 1;', 'const b =  2;']);
    });

    it('keeps // and /* inside strings, template literals and regular expressions', () => {
      const source = "const url = 'http://host/*x*/';\nconst t = `a // ${1 + 2} b`;\nconst r = /\\/\\/[/]/g;";
      expect(codeLines(source).map((line) => line.text)).to.deep.equal(source.split('\n'));
    });

    it('tells a division from a regular expression', () => {
      expect(codeLines('const half = total / 2; // half of it').map((line) => line.text)).to.deep.equal([
        'const half = total / 2;',
      ]);
    });

    it('masks the text of string and template literals, not the code in a template hole', () => {
      expect(codeLines("log('hi', `n=${count('x')}!`);")[0].masked).to.equal("log('…', `…${count('…')}…`);");
    });

    it('notes a line that ends with the // i18n marker', () => {
      const [plain, marked] = codeLines("log('a');\nlog('b'); // i18n");
      expect(plain.translatedStrings).to.equal(false);
      expect(marked.translatedStrings).to.equal(true);
    });
  });

  describe('translationDifferences', () => {
    it('accepts translated comments, even when they take a different number of lines', () => {
      const english = '// The CPU is busy.\nbusy(); // wait\n';
      const chinese = '// CPU 忙着，\n// 线程上别的代码都无法运行。\nbusy(); // 等待\n';
      expect(translationDifferences(english, chinese)).to.deep.equal([]);
    });

    it('accepts a translated string on a line marked // i18n', () => {
      expect(
        translationDifferences("console.log('busy wait over');", "console.log('忙等结束'); // i18n"),
      ).to.deep.equal([]);
    });

    it('rejects a translated string on an unmarked line', () => {
      expect(translationDifferences("console.log('busy wait over');", "console.log('忙等结束');")).to.have.length(1);
    });

    it('rejects changed code on a marked line', () => {
      expect(translationDifferences("console.log('over', n);", "console.log('结束', m); // i18n")).to.have.length(1);
    });

    it('rejects a missing or an extra line of code', () => {
      expect(translationDifferences('a();\nb();', 'a();')).to.deep.equal(['code line 2: "b();" vs null']);
      expect(translationDifferences('a();', 'a();\nb();')).to.deep.equal(['code line 2: null vs "b();"']);
    });
  });
});
