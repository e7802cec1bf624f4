/** The demo page's entry: defines the elements index.html uses. */
import './trainer/mlp-trainer.ts';
import './lab/init-lab.ts';
