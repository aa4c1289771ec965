/**
 * Models and attacks: {@link io.gradsign.model.Sequential} dense models (softmax regression, MLPs),
 * {@link io.gradsign.model.Fgsm} (untargeted, targeted, virtual), {@link io.gradsign.model.Trainer}
 * (SGD with momentum) and {@link io.gradsign.model.Evaluation}, all on any backend.
 */
package io.gradsign.model;
