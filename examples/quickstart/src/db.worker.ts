import { serve } from 'molt/worker';
import schema from './schema.sql?raw';

serve({ schema });
