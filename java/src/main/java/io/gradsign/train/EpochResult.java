package io.gradsign.train;

/**
 * One epoch's figures.
 *
 * @param epoch the epoch's number, from 1
 * @param loss the mean of the steps' objectives
 * @param accuracy the fraction of the labelled samples seen that the model classified right (at the
 *     inputs each objective reports: {@link Objective.Loss})
 * @param steps optimiser steps taken
 * @param seconds wall-clock time
 * @param learningRate the rate of the epoch's last step
 */
public record EpochResult(int epoch, double loss, double accuracy, long steps, double seconds, float learningRate) {}
