// Plays the person in front of the browser, against oidc-provider's
// devInteractions pages (server.js).
//
//   node person.js AUTHORIZATION_URL              (as $BROWSER receives it)
//   node person.js --device VERIFICATION_URI USER_CODE
//
// Browser: follows the authorization URL, signs in, consents, and finally
// GETs the redirect on the app's loopback listener. Device: enters the user
// code, confirms it, signs in and consents.
//
// Environment (all optional):
//   PERSON_LOGIN   the account to sign in as (default "alice")
//   PERSON_ACTION  "approve" (default) or "deny" (aborts: access_denied)
//   PERSON_COUNT   a file that gets one line per invocation (to count
//                  browser tabs)
//   PERSON_LOG     a file for a log of every step (default: stderr)
//
// Exits 0 when the flow reached its end (the loopback answered, or the
// device flow's success page), non-zero with a message otherwise.

import fs from 'node:fs';

const login = process.env.PERSON_LOGIN || 'alice';
const action = process.env.PERSON_ACTION || 'approve';

function log(line) {
  if (process.env.PERSON_LOG) {
    fs.appendFileSync(process.env.PERSON_LOG, `${line}\n`);
  } else {
    process.stderr.write(`person: ${line}\n`);
  }
}

function fail(message) {
  log(`FAILED: ${message}`);
  process.exit(1);
}

// One cookie jar for the whole walk (names are unique enough here).
const jar = new Map();

async function request(url, init = {}) {
  const headers = { ...(init.headers ?? {}) };
  if (jar.size) {
    headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  const res = await fetch(url, { ...init, headers, redirect: 'manual' });
  for (const cookie of res.headers.getSetCookie()) {
    const [pair] = cookie.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (/expires=Thu, 01 Jan 1970/i.test(cookie) || value === '') {
      jar.delete(name);
    } else {
      jar.set(name, value);
    }
  }
  log(`${init.method ?? 'GET'} ${url.split('?')[0]} -> ${res.status}`);
  return res;
}

function form(fields) {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  };
}

function hidden(html, name) {
  const m = html.match(new RegExp(`name="${name}" value="([^"]*)"`));
  return m ? m[1] : undefined;
}

function formAction(html) {
  const m = html.match(/<form[^>]*action="([^"]*)"/);
  return m ? m[1].replaceAll('&amp;', '&') : undefined;
}

// Follows redirects from `url` until a page (200) or a redirect that
// leaves the server (the app's loopback redirect URI), which it GETs and
// returns as { done: true }.
async function follow(url, init, server) {
  let res = await request(url, init);
  for (let hops = 0; hops < 20; hops += 1) {
    if (res.status < 300 || res.status >= 400) {
      return { res, url, body: await res.text() };
    }
    const next = new URL(res.headers.get('location'), url).toString();
    if (new URL(next).origin !== server) {
      const answer = await fetch(next, { redirect: 'manual' });
      const body = await answer.text();
      const text = body.replace(/<title>.*?<\/title>/s, '').replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
      log(`delivered the redirect to ${next.split('?')[0]}: ${answer.status} "${text.slice(0, 120)}"`);
      return { done: true, status: answer.status };
    }
    url = next;
    res = await request(url);
  }
  return fail('too many redirects');
}

// Walks the devInteractions pages (login, consent) from `page`.
async function interact(page, server) {
  for (let steps = 0; steps < 6; steps += 1) {
    if (page.done) {
      return page;
    }
    const { body, url } = page;
    if (page.res.status !== 200) {
      return fail(`${url}: status ${page.res.status}: ${body.slice(0, 300)}`);
    }
    const action_ = formAction(body);
    const prompt = hidden(body, 'prompt');
    if (!prompt) {
      return page; // not an interaction page: the caller's end page
    }
    const target = new URL(action_, url).toString();
    if (action === 'deny') {
      const abort = target.replace(/\/?$/, '/abort');
      return follow(abort, {}, server);
    }
    log(prompt === 'login' ? `the sign-in page: signing in as ${login}` : `the consent page: ${action === 'deny' ? 'refusing' : 'allowing'}`);
    if (prompt === 'login') {
      page = await follow(target, form({ prompt: 'login', login, password: 'any' }), server);
    } else if (prompt === 'consent') {
      page = await follow(target, form({ prompt: 'consent' }), server);
    } else {
      return fail(`unknown prompt ${prompt}`);
    }
  }
  return fail('too many interaction steps');
}

async function browser(authUrl) {
  const server = new URL(authUrl).origin;
  const end = await interact(await follow(authUrl, {}, server), server);
  if (!end.done) {
    fail(`the flow ended on a page, not the app: ${end.body.slice(0, 300)}`);
  }
  if (end.status >= 400) {
    fail(`the app answered the redirect with ${end.status}`);
  }
}

async function device(verificationUri, userCode) {
  const server = new URL(verificationUri).origin;
  let page = await follow(verificationUri, {}, server);
  let xsrf = hidden(page.body, 'xsrf');
  if (!xsrf) {
    fail(`no code form at ${verificationUri}`);
  }
  const target = new URL(formAction(page.body) ?? verificationUri, page.url).toString();
  page = await follow(target, form({ xsrf, user_code: userCode }), server);
  xsrf = hidden(page.body, 'xsrf');
  if (!xsrf || hidden(page.body, 'confirm') !== 'yes') {
    fail(`the code was not accepted: ${page.body.replace(/\s+/g, ' ').slice(0, 400)}`);
  }
  const confirm = { xsrf, user_code: hidden(page.body, 'user_code'), confirm: 'yes' };
  if (action === 'deny') {
    delete confirm.confirm;
    confirm.abort = 'yes';
  }
  page = await follow(new URL(formAction(page.body), page.url).toString(), form(confirm), server);
  page = await interact(page, server);
  const text = page.body.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ');
  log(`device flow ended: ${text.slice(0, 200)}`);
}

async function main() {
  if (process.env.PERSON_COUNT) {
    fs.appendFileSync(process.env.PERSON_COUNT, `${process.pid}\n`);
  }
  const args = process.argv.slice(2);
  if (args[0] === '--device') {
    if (args.length !== 3) fail('usage: person.js --device VERIFICATION_URI USER_CODE');
    await device(args[1], args[2]);
  } else {
    if (args.length !== 1) fail('usage: person.js AUTHORIZATION_URL');
    await browser(args[0]);
  }
}

main().catch((e) => fail(e.stack));
