import { defineModule } from '../../platform/modules.ts';
import { MissionCatalog } from './catalog.ts';

/** The mission database, shared by every target that needs channel definitions. */
export const missionsModule = defineModule({
  name: 'missions',
  deps: ['sql'],
  async start({ get }) {
    return { value: new MissionCatalog(get('sql')) };
  },
});
