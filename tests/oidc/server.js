// The OpenID Certified server the OAuth flow tests run against:
// oidc-provider (pinned in package.json), on 127.0.0.1 only.
//
//   node server.js [CONFIG_JSON]      (or CONFIG_JSON on $OIDC_TEST_CONFIG)
//
// CONFIG_JSON (every key optional):
//   {
//     "port": 0,                       // 0: any free port
//     "clients": [ {...}, ... ],       // oidc-provider client metadata; replaces the defaults
//     "extra_clients": [ {...} ],      // added to the defaults
//     "features": { "dPoP": { "enabled": true }, ... },   // merged over the defaults
//     "ttl": { "AccessToken": 3600, ... },                // seconds, merged over the defaults
//     "config": { ... }                // any other oidc-provider option, merged last
//   }
//
// When it listens it prints one line on stdout, its issuer URL
// (`http://127.0.0.1:PORT`), and logs each request it answers on stderr
// (`METHOD PATH STATUS`). It stops on SIGTERM, SIGINT or when its stdin
// closes (so a test that dies takes it along).
//
// Default clients (all public unless said):
//   authtool-native   native app, loopback redirect http://127.0.0.1/callback on any port,
//                     authorization_code + refresh_token, PKCE (S256)
//   authtool-device   device_code + refresh_token
//   authtool-machine  client_credentials, client_secret_basic, secret "machine-secret"
//
// Accounts: any login name is an account whose `sub` is that name
// (devInteractions: any password).

import http from 'node:http';
import Provider from 'oidc-provider';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

const DEFAULT_CLIENTS = [
  {
    client_id: 'authtool-native',
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    redirect_uris: ['http://127.0.0.1/callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  },
  {
    client_id: 'authtool-device',
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    redirect_uris: [],
    grant_types: [DEVICE_GRANT, 'refresh_token'],
    response_types: [],
  },
  {
    client_id: 'authtool-machine',
    client_secret: 'machine-secret',
    token_endpoint_auth_method: 'client_secret_basic',
    redirect_uris: [],
    grant_types: ['client_credentials'],
    response_types: [],
  },
];

function readConfig() {
  const text = process.argv[2] ?? process.env.OIDC_TEST_CONFIG ?? '{}';
  try {
    return JSON.parse(text);
  } catch (e) {
    console.error(`server.js: the configuration is not JSON: ${e.message}`);
    process.exit(2);
  }
}

const cfg = readConfig();

const server = http.createServer();
server.listen(cfg.port ?? 0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;

  const provider = new Provider(issuer, {
    clients: cfg.clients ?? [...DEFAULT_CLIENTS, ...(cfg.extra_clients ?? [])],
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () => ({ sub, name: sub, email: `${sub}@example.test` }),
    }),
    claims: { openid: ['sub'], profile: ['name'], email: ['email'] },
    scopes: ['openid', 'offline_access', 'profile', 'email', 'api'],
    features: {
      devInteractions: { enabled: true },
      deviceFlow: { enabled: true },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      dPoP: { enabled: true },
      ...(cfg.features ?? {}),
    },
    pkce: { required: () => true },
    // Refresh tokens for every client allowed the refresh_token grant (not
    // only with offline_access), rotated on every use.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      ClientCredentials: 3600,
      DeviceCode: 600,
      IdToken: 3600,
      Interaction: 600,
      RefreshToken: 86400,
      Session: 86400,
      Grant: 86400,
      ...(cfg.ttl ?? {}),
    },
    cookies: { keys: ['authtool-test-only-cookie-key'] },
    ...(cfg.config ?? {}),
  });
  // Errors the server answers are the tests' business, not noise.
  provider.on('server_error', (_ctx, err) => console.error(`server_error: ${err.stack}`));

  const handle = provider.callback();
  server.on('request', (req, res) => {
    res.on('finish', () => console.error(`${req.method} ${req.url.split('?')[0]} ${res.statusCode}`));
    handle(req, res);
  });
  process.stdout.write(`${issuer}\n`);
});

const stop = () => server.close(() => process.exit(0)) && setTimeout(() => process.exit(0), 500).unref();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
