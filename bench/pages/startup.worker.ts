/** The app worker of the startup benchmark: `?schema=before` or `?schema=after`. */
import { serve } from '../../src/worker/index.ts';
import { AFTER, BEFORE } from './startup-schema.ts';

serve({ schema: new URL(self.location.href).searchParams.get('schema') === 'after' ? AFTER : BEFORE });
