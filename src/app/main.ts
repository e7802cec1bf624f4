/** The demo page's entry: defines the elements index.html uses. */
import './mlp-trainer.ts';
import './init-lab.ts';
