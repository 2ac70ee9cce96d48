// Browser test of 数据导入 against a running gridgis server with the demo
// data (e2e/import_test.go starts one):
//
//   GRIDGIS_URL=http://127.0.0.1:18080 E2E_ADMIN_USER=admin E2E_ADMIN_PASSWORD=... node e2e/import.e2e.mjs
//
// An admin opens 数据导入 and checks a register whose header names no
// known column: the problem names the mapping; they map the two columns
// by hand and check again: the bad credit code is reported by row; a
// clean file (a point of the zone) enables 导入. Only dry runs: the demo
// zone is left as it is for the other browser tests. Screenshots go to
// e2e/out/import-*.png. Ends with "N passed, M failed".
import { join } from 'node:path';
import { OUT_DIR, account, assert, check, checkNoProblems, launch, loggedInPage, runSteps } from './harness.mjs';

const ADMIN = account('admin', 'admin');

/** A valid credit code (GB 32100 check character) from 17 characters. */
function uscc(body) {
  const chars = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += chars.indexOf(body[i]) * weights[i];
  return body + chars[(31 - (sum % 31)) % 31];
}

async function upload(page, name, text) {
  await page.locator('#import-file').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(text, 'utf-8') });
}

async function dryRun(page) {
  await page.locator('.import-check').click();
  await page.waitForFunction(() => {
    const s = document.querySelector('.import-summary');
    return s && s.textContent && !document.querySelector('.import-check')?.disabled;
  }, null, { timeout: 60_000 });
  return page.locator('.import-summary').textContent();
}

async function run() {
  const browser = await launch();
  try {
    const page = await loggedInPage(browser, ADMIN);

    await check('an admin opens 数据导入', async () => {
      await page.locator('#tool-import').click();
      assert(await page.locator('#import-dialog').isVisible(), 'the dialog is hidden');
      assert(await page.locator('.import-commit').isDisabled(), '导入 is enabled before a check');
    });

    const code = uscc('91410400MA8E2E001');
    const bad = code.slice(0, 17) + (code[17] === '0' ? '1' : '0');
    await check('a header of unknown columns: the mapping is reported, and corrected by hand', async () => {
      await upload(page, '名录.csv', `甲,乙,丙\n浏览器测试有限公司,${bad},新材料\n`);
      const summary = await dryRun(page);
      assert(/未写入/.test(summary), `summary ${summary}`);
      const first = await page.locator('.import-problems-table tr').nth(1).textContent();
      assert(first.includes('列映射'), `first problem ${first}`);
      await page.locator('#import-map-0').selectOption('name');
      await page.locator('#import-map-1').selectOption('uscc');
      await page.locator('#import-map-2').selectOption('industry');
      await dryRun(page);
      const rows = await page.locator('.import-problems-table tr').allTextContents();
      assert(rows.some((r) => r.startsWith('2') && r.includes('统一社会信用代码') && r.includes('校验位')), `problems ${rows.join(' | ')}`);
      assert(await page.locator('.import-commit').isDisabled(), '导入 is enabled with problems');
      await page.screenshot({ path: join(OUT_DIR, 'import-problems.png'), fullPage: true });
    });

    await check('a clean file enables 导入', async () => {
      const at = await page.evaluate(async () => {
        const res = await fetch('/api/v1/organizations?limit=1', { credentials: 'same-origin' });
        return (await res.json()).features[0].geometry.coordinates;
      });
      await upload(page, '名录-改正.csv', `名称,统一社会信用代码,经度,纬度,行业\n浏览器测试有限公司,${code},${at[0]},${at[1]},新材料\n`);
      const summary = await dryRun(page);
      assert(summary.includes('全部无误'), `summary ${summary}`);
      assert(await page.locator('.import-commit').isEnabled(), '导入 stays disabled');
      const progress = await page.locator('.import-progress-text').textContent();
      assert(progress.includes('1 / 1 行'), `progress ${progress}`);
      await page.screenshot({ path: join(OUT_DIR, 'import-clean.png'), fullPage: true });
    });

    await checkNoProblems('no failed request and no page error');
  } finally {
    await browser.close();
  }
}

await runSteps(['setup', run]);
