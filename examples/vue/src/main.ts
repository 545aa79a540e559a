import { createApp } from 'vue';
import { Amplify } from 'aws-amplify';
import { configureAmplify } from 'ampstack-amplify';
import outputs from '../amplify_outputs.json';
import App from './App.vue';

// On AWS this line is `Amplify.configure(outputs)`. The adapter does that and then points the
// client at the local sandbox, whose endpoints are in `custom.ampstack` of the same file.
configureAmplify(Amplify, outputs);

createApp(App).mount('#app');
