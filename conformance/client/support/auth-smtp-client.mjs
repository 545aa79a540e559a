// One aws-amplify client action for ../auth-smtp.test.mjs, printed as a JSON line:
//   signUp EMAIL | confirmAndSignIn EMAIL CODE
// AMPSTACK_OUTPUTS names the sandbox's outputs; NODE_EXTRA_CA_CERTS trusts its CA.
import fs from 'node:fs';
import { Amplify } from 'aws-amplify';
import { signUp, confirmSignUp, signIn, fetchAuthSession } from 'aws-amplify/auth';
import { configureAmplify } from '../../../clients/js/ampstack-amplify.mjs';

configureAmplify(Amplify, JSON.parse(fs.readFileSync(process.env.AMPSTACK_OUTPUTS, 'utf8')));
const [cmd, email, code] = process.argv.slice(2);
const password = 'Correct#Horse1';
let out;
try {
  if (cmd === 'signUp') {
    out = (await signUp({ username: email, password, options: { userAttributes: { email } } })).nextStep;
  } else if (cmd === 'confirmAndSignIn') {
    await confirmSignUp({ username: email, confirmationCode: code });
    const r = await signIn({ username: email, password });
    const { tokens } = await fetchAuthSession();
    out = { signedIn: r.isSignedIn, email: tokens.idToken.payload.email, verified: tokens.idToken.payload.email_verified };
  } else {
    throw new Error(`unknown command ${cmd}`);
  }
} catch (e) {
  out = { error: e.name, message: e.message };
}
console.log(JSON.stringify(out));
process.exit(0);
