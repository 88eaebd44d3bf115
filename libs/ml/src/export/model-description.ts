/** Element-wise activations the exporter can express in ONNX. */
export type ActivationName = 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'hardSigmoid' | 'softmax';

/** Fully connected layer over the last axis: `y = act(x · kernel + bias)`. */
export interface DenseSpec {
  readonly kind: 'dense';
  /** Output width. */
  readonly units: number;
  /** Row-major `[inputs, units]`, as tfjs stores it. */
  readonly kernel: Float32Array;
  /** `[units]`, or absent when the layer has no bias. */
  readonly bias?: Float32Array;
  /** Applied after the bias. */
  readonly activation: ActivationName;
}

/** A standalone activation layer. */
export interface ActivationSpec {
  readonly kind: 'activation';
  /** The function to apply. */
  readonly activation: ActivationName;
}

/** Batch normalisation over the channel (last) axis with frozen statistics. */
export interface BatchNormSpec {
  readonly kind: 'batchNorm';
  /** `[channels]`; absent means 1 (`scale: false`). */
  readonly gamma?: Float32Array;
  /** `[channels]`; absent means 0 (`center: false`). */
  readonly beta?: Float32Array;
  /** `[channels]` running mean. */
  readonly movingMean: Float32Array;
  /** `[channels]` running variance. */
  readonly movingVariance: Float32Array;
  /** Added to the variance before the square root. */
  readonly epsilon: number;
}

/** Spatial padding policy, with TensorFlow's meaning of `'same'`. */
export type PaddingMode = 'same' | 'valid';

/** 2-D convolution on channels-last images. */
export interface Conv2dSpec {
  readonly kind: 'conv2d';
  /** Output channels. */
  readonly filters: number;
  /** `[height, width]` of the kernel. */
  readonly kernelSize: readonly [number, number];
  /** `[vertical, horizontal]` step. */
  readonly strides: readonly [number, number];
  /** `[vertical, horizontal]` dilation rate. */
  readonly dilations: readonly [number, number];
  /** 'same' keeps ⌈size / stride⌉ outputs per axis; 'valid' uses no padding. */
  readonly padding: PaddingMode;
  /** Row-major `[kernelH, kernelW, inChannels, filters]`, as tfjs stores it. */
  readonly kernel: Float32Array;
  /** `[filters]`, or absent when the layer has no bias. */
  readonly bias?: Float32Array;
  /** Applied after the bias. */
  readonly activation: ActivationName;
}

/** 2-D max pooling. */
export interface MaxPool2dSpec {
  readonly kind: 'maxPool2d';
  /** `[height, width]` of the window. */
  readonly poolSize: readonly [number, number];
  /** `[vertical, horizontal]` step (tfjs defaults it to the pool size). */
  readonly strides: readonly [number, number];
  /** As for convolutions. */
  readonly padding: PaddingMode;
}

/** Nearest-neighbour upsampling by integer factors. */
export interface UpSampling2dSpec {
  readonly kind: 'upSampling2d';
  /** `[vertical, horizontal]` repeat factors. */
  readonly size: readonly [number, number];
}

/** Flattens everything but the batch axis, in channels-last order. */
export interface FlattenSpec {
  readonly kind: 'flatten';
}

/** Reshapes everything but the batch axis; one entry may be -1. */
export interface ReshapeSpec {
  readonly kind: 'reshape';
  /** New shape without the batch axis. */
  readonly targetShape: readonly number[];
}

/** Unidirectional LSTM over `[batch, time, features]`, gates in tfjs order i, f, c, o. */
export interface LstmSpec {
  readonly kind: 'lstm';
  /** Hidden state width. */
  readonly units: number;
  /** Row-major `[features, 4·units]`. */
  readonly kernel: Float32Array;
  /** Row-major `[units, 4·units]`. */
  readonly recurrentKernel: Float32Array;
  /** `[4·units]`, or absent when the layer has no bias. */
  readonly bias?: Float32Array;
  /** Cell and output activation (tfjs `activation`). */
  readonly activation: ActivationName;
  /** Gate activation (tfjs `recurrentActivation`; its default is `hardSigmoid`). */
  readonly recurrentActivation: ActivationName;
  /** Emit every step `[batch, time, units]` instead of the last `[batch, units]`. */
  readonly returnSequences: boolean;
}

/** One exportable layer. */
export type LayerSpec =
  | DenseSpec
  | ActivationSpec
  | BatchNormSpec
  | Conv2dSpec
  | MaxPool2dSpec
  | UpSampling2dSpec
  | FlattenSpec
  | ReshapeSpec
  | LstmSpec;

/**
 * A sequential network as plain data, independent of the framework that trained it:
 * what the ONNX exporter consumes. Get one from tfjs with `describeLayersModel`.
 */
export interface ModelDescription {
  /** Input shape without the batch axis; images are channels-last `[h, w, c]`. */
  readonly inputShape: readonly number[];
  /** Layers in the order they apply. */
  readonly layers: readonly LayerSpec[];
}
