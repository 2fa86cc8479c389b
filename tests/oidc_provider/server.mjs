// A real OpenID Connect provider (npm oidc-provider) on loopback, for the tests and the demo.
// Configured by one JSON file (argv[2]): port, clients, accounts, the signing key's id and the
// ID token lifetime. The signing key is made fresh at each start under the configured key id,
// so a restart is "the provider signs with a key the app has never seen".
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const issuer = `http://127.0.0.1:${config.port}`;
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: config.kid || 'test-key', use: 'sig', alg: 'RS256' };
const accounts = config.accounts || {};

const provider = new Provider(issuer, {
  clients: config.clients,
  jwks: { keys: [jwk] },
  cookies: { keys: ['loopback-test-provider-only'] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
  pkce: { methods: ['S256'], required: () => true },
  ttl: { IdToken: config.idTokenTtl || 3600, AccessToken: 3600, AuthorizationCode: 600 },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  // The email typed at the login form is the account; accounts.json can mark one unverified.
  async findAccount(ctx, id) {
    const extra = accounts[id] || {};
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: extra.email || id, email_verified: extra.email_verified ?? true, name: id };
      },
    };
  },
});

const page = (body) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test provider sign-in</title></head><body><main>${body}</main></body></html>`;

function readForm(req) {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (chunk) => { data += chunk; });
    req.on('end', () => resolve(new URLSearchParams(data)));
  });
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { uid, prompt, params, session } = details;
  if (prompt.name === 'login') {
    if (req.method === 'POST') {
      const form = await readForm(req);
      await provider.interactionFinished(req, res, { login: { accountId: form.get('login') } }, { mergeWithLastSubmission: false });
      return;
    }
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(page(`<h1>Test provider</h1><form method="post" action="/interaction/${uid}"><label for="login">Email</label> <input id="login" name="login" type="email" autocomplete="username"> <button type="submit">Sign in</button></form>`));
    return;
  }
  // Consent is the district's, not the person's: granted at once for what was asked.
  const grant = details.grantId ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (details.prompt.details.missingOIDCScope) grant.addOIDCScope(details.prompt.details.missingOIDCScope.join(' '));
  if (details.prompt.details.missingOIDCClaims) grant.addOIDCClaims(details.prompt.details.missingOIDCClaims);
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

const callback = provider.callback();
const server = http.createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((error) => { res.statusCode = 400; res.end(String(error)); });
  } else {
    callback(req, res);
  }
});
server.listen(config.port, '127.0.0.1', () => { console.log(`oidc provider ready on ${issuer}`); });
process.on('SIGTERM', () => server.close(() => process.exit(0)));
