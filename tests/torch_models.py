"""PyTorch twins of ganlite's architectures with the same parameter names (pytorch-CycleGAN-and-
pix2pix's ResnetGenerator, NLayerDiscriminator and UnetGenerator, gan-compression's
MobileResnetGenerator, the DCGAN tutorial's Generator and Discriminator, our SNGAN generator and
projection discriminator, our StyleGAN2). Used by the tests/make_*_refs.py scripts (reference
checkpoints) and benchmarks/peers/ (the PyTorch side of `ganlite bench` comparisons)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

class ResnetBlock(nn.Module):
    def __init__(self, dim, norm, bias):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=bias), norm(dim), nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=bias), norm(dim))

    def forward(self, x):
        return x + self.conv_block(x)


def resnet_generator(in_nc, out_nc, ngf, n_blocks):
    norm, bias = nn.InstanceNorm2d, True
    layers = [nn.ReflectionPad2d(3), nn.Conv2d(in_nc, ngf, 7, bias=bias), norm(ngf), nn.ReLU(True)]
    for i in range(2):
        m = 2 ** i
        layers += [nn.Conv2d(ngf * m, ngf * m * 2, 3, stride=2, padding=1, bias=bias),
                   norm(ngf * m * 2), nn.ReLU(True)]
    layers += [ResnetBlock(ngf * 4, norm, bias) for _ in range(n_blocks)]
    for i in range(2):
        m = 2 ** (2 - i)
        layers += [nn.ConvTranspose2d(ngf * m, ngf * m // 2, 3, stride=2, padding=1,
                                      output_padding=1, bias=bias),
                   norm(ngf * m // 2), nn.ReLU(True)]
    layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, out_nc, 7), nn.Tanh()]
    net = nn.Module()
    net.model = nn.Sequential(*layers)
    net.forward = lambda x: net.model(x)
    return net


def patchgan(in_nc, ndf, n_layers):
    norm, bias = nn.BatchNorm2d, False
    layers = [nn.Conv2d(in_nc, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True)]
    mult = 1
    for n in range(1, n_layers + 1):
        prev, mult = mult, min(2 ** n, 8)
        layers += [nn.Conv2d(ndf * prev, ndf * mult, 4, 2 if n < n_layers else 1, 1, bias=bias),
                   norm(ndf * mult), nn.LeakyReLU(0.2, True)]
    layers += [nn.Conv2d(ndf * mult, 1, 4, 1, 1)]
    net = nn.Module()
    net.model = nn.Sequential(*layers)
    net.forward = lambda x: net.model(x)
    return net


class UnetBlock(nn.Module):
    """One U-Net level; every level but the outermost returns cat([x, model(x)], 1)."""

    def __init__(self, outer, inner, input_nc=None, sub=None, kind="middle"):
        super().__init__()
        self.outermost = kind == "outermost"
        input_nc = input_nc or outer
        down = nn.Conv2d(input_nc, inner, 4, 2, 1, bias=False)
        if kind == "outermost":
            layers = [down, sub, nn.ReLU(True), nn.ConvTranspose2d(inner * 2, outer, 4, 2, 1),
                      nn.Tanh()]
        elif kind == "innermost":
            layers = [nn.LeakyReLU(0.2, True), down, nn.ReLU(True),
                      nn.ConvTranspose2d(inner, outer, 4, 2, 1, bias=False), nn.BatchNorm2d(outer)]
        else:
            layers = [nn.LeakyReLU(0.2, True), down, nn.BatchNorm2d(inner), sub, nn.ReLU(True),
                      nn.ConvTranspose2d(inner * 2, outer, 4, 2, 1, bias=False),
                      nn.BatchNorm2d(outer)]
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x) if self.outermost else torch.cat([x, self.model(x)], 1)


def unet_generator(in_nc, out_nc, num_downs, ngf):
    block = UnetBlock(ngf * 8, ngf * 8, kind="innermost")
    for _ in range(num_downs - 5):
        block = UnetBlock(ngf * 8, ngf * 8, sub=block)
    for mult in (4, 2, 1):
        block = UnetBlock(ngf * mult, ngf * mult * 2, sub=block)
    net = nn.Module()
    net.model = UnetBlock(out_nc, ngf, in_nc, block, kind="outermost")
    net.forward = lambda x: net.model(x)
    return net


class SeparableConv(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(dim, dim, 3, groups=dim), nn.InstanceNorm2d(dim),
                                  nn.Conv2d(dim, dim, 1))

    def forward(self, x):
        return self.conv(x)


class MobileResnetBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1), SeparableConv(dim), nn.InstanceNorm2d(dim), nn.ReLU(True),
            nn.Dropout(0.0), nn.ReflectionPad2d(1), SeparableConv(dim), nn.InstanceNorm2d(dim))

    def forward(self, x):
        return x + self.conv_block(x)


def mobile_resnet_generator(in_nc, out_nc, ngf, n_blocks):
    net = resnet_generator(in_nc, out_nc, ngf, n_blocks)
    for i in range(n_blocks):  # the residual blocks sit after the 10 stem and downsampling layers
        net.model[10 + i] = MobileResnetBlock(ngf * 4)
    return net


def dcgan_generator(nz, ngf, nc, image_size):
    mult = image_size // 8
    layers = [nn.ConvTranspose2d(nz, ngf * mult, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * mult),
              nn.ReLU(True)]
    while mult > 1:
        layers += [nn.ConvTranspose2d(ngf * mult, ngf * mult // 2, 4, 2, 1, bias=False),
                   nn.BatchNorm2d(ngf * mult // 2), nn.ReLU(True)]
        mult //= 2
    layers += [nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh()]
    net = nn.Module()
    net.main = nn.Sequential(*layers)
    net.forward = lambda x: net.main(x)
    return net


def dcgan_discriminator(nc, ndf, image_size):
    layers = [nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
    mult = 1
    while mult < image_size // 8:
        layers += [nn.Conv2d(ndf * mult, ndf * mult * 2, 4, 2, 1, bias=False),
                   nn.BatchNorm2d(ndf * mult * 2), nn.LeakyReLU(0.2, True)]
        mult *= 2
    layers += [nn.Conv2d(ndf * mult, 1, 4, 1, 0, bias=False)]  # logits: no Sigmoid
    net = nn.Module()
    net.main = nn.Sequential(*layers)
    net.forward = lambda x: net.main(x)
    return net


# ---- SNGAN generator (gan/models/sngan.h), written from its description: conditional BN is BN without
# affine followed by per-class gamma, beta from one embedding (gamma in the first C columns); the
# up block is CBN -> ReLU -> nearest x2 -> conv3x3 -> CBN -> ReLU -> conv3x3 plus the shortcut
# nearest x2 -> conv1x1.
class CondBatchNorm(nn.Module):
    def __init__(self, channels, num_classes):
        super().__init__()
        self.bn = nn.BatchNorm2d(channels, affine=False)
        self.embed = nn.Embedding(num_classes, 2 * channels)

    def forward(self, x, y):
        gamma, beta = self.embed(y).chunk(2, dim=1)
        return self.bn(x) * gamma[:, :, None, None] + beta[:, :, None, None]


class SnganUpBlock(nn.Module):
    def __init__(self, cin, cout, num_classes):
        super().__init__()
        self.b1 = CondBatchNorm(cin, num_classes)
        self.c1 = nn.Conv2d(cin, cout, 3, 1, 1)
        self.b2 = CondBatchNorm(cout, num_classes)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1)
        self.c_sc = nn.Conv2d(cin, cout, 1)

    def forward(self, x, y):
        up = lambda t: nn.functional.interpolate(t, scale_factor=2, mode="nearest")
        h = self.c1(up(torch.relu(self.b1(x, y))))
        h = self.c2(torch.relu(self.b2(h, y)))
        return h + self.c_sc(up(x))


class SnganGenerator(nn.Module):
    def __init__(self, z_dim, ch, out_nc, num_classes):
        super().__init__()
        self.ch = ch
        self.l1 = nn.Linear(z_dim, 16 * ch)
        self.block2 = SnganUpBlock(ch, ch, num_classes)
        self.block3 = SnganUpBlock(ch, ch, num_classes)
        self.block4 = SnganUpBlock(ch, ch, num_classes)
        self.b5 = nn.BatchNorm2d(ch)
        self.c5 = nn.Conv2d(ch, out_nc, 3, 1, 1)

    def forward(self, z, y):
        h = self.l1(z).view(z.shape[0], self.ch, 4, 4)
        for block in (self.block2, self.block3, self.block4):
            h = block(h, y)
        return torch.tanh(self.c5(torch.relu(self.b5(h))))


# ---- SNGAN projection discriminator (gan/models/sngan.h): every conv, the head's linear and its
# class embedding spectrally normalised (torch.nn.utils.spectral_norm: weight_orig, weight_u,
# weight_v); block1 pools before its shortcut conv, block2 after; global sum pooling; projection
# logit = linear(h) + <embed(y), h>.
def sn(m):
    return nn.utils.spectral_norm(m)


class SnganDBlock(nn.Module):
    def __init__(self, cin, cout, down, optimized=False):
        super().__init__()
        self.c1 = sn(nn.Conv2d(cin, cout, 3, 1, 1))
        self.c2 = sn(nn.Conv2d(cout, cout, 3, 1, 1))
        if optimized or cin != cout or down:
            self.c_sc = sn(nn.Conv2d(cin, cout, 1))
        self.down, self.optimized = down, optimized

    def forward(self, x):
        pool = lambda t: F.avg_pool2d(t, 2)
        if self.optimized:
            return pool(self.c2(torch.relu(self.c1(x)))) + self.c_sc(pool(x))
        h = self.c2(torch.relu(self.c1(torch.relu(x))))
        sc = self.c_sc(x) if hasattr(self, "c_sc") else x
        return (pool(h) + pool(sc)) if self.down else h + sc


class ProjectionHead(nn.Module):
    def __init__(self, features, num_classes):
        super().__init__()
        self.linear = sn(nn.Linear(features, 1))
        self.embed = sn(nn.Embedding(num_classes, features))

    def forward(self, h, y):
        return self.linear(h) + (self.embed(y) * h).sum(1, keepdim=True)


class SnganDiscriminator(nn.Module):
    def __init__(self, in_nc, ndf, num_classes):
        super().__init__()
        self.block1 = SnganDBlock(in_nc, ndf, True, optimized=True)
        self.block2 = SnganDBlock(ndf, ndf, True)
        self.block3 = SnganDBlock(ndf, ndf, False)
        self.block4 = SnganDBlock(ndf, ndf, False)
        self.head = ProjectionHead(ndf, num_classes)

    def forward(self, x, y):
        h = self.block4(self.block3(self.block2(self.block1(x))))
        return self.head(torch.relu(h).sum((2, 3)), y)


# ---- StyleGAN2 (gan/models/stylegan2.h), from the paper's equations; the modulated conv runs one
# conv2d per sample, unlike the C++ grouped conv.
SQRT2 = math.sqrt(2.0)


def act(x):
    return F.leaky_relu(x, 0.2) * SQRT2


class EqualLinear(nn.Module):
    def __init__(self, n_in, n_out, bias_init=0.0, lr_mul=1.0, activate=False):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_out, n_in) / lr_mul)
        self.bias = nn.Parameter(torch.full((n_out,), bias_init / lr_mul))
        self.c, self.lr_mul, self.activate = lr_mul / math.sqrt(n_in), lr_mul, activate

    def forward(self, x):
        y = x @ (self.weight * self.c).t() + self.bias * self.lr_mul
        return act(y) if self.activate else y


class EqualConv2d(nn.Module):
    def __init__(self, n_in, n_out, k, bias=True, activate=False, downsample=False):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_out, n_in, k, k))
        self.bias = nn.Parameter(torch.zeros(n_out)) if bias else None
        self.c, self.activate, self.downsample = 1 / math.sqrt(n_in * k * k), activate, downsample

    def forward(self, x):
        if self.downsample:
            x = F.avg_pool2d(x, 2)
        y = F.conv2d(x, self.weight * self.c, self.bias, padding=self.weight.shape[2] // 2)
        return act(y) if self.activate else y


class ModulatedConv2d(nn.Module):
    def __init__(self, n_in, n_out, k, w_dim, demodulate=True, upsample=False):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_out, n_in, k, k))
        self.modulation = EqualLinear(w_dim, n_in, bias_init=1.0)
        self.c, self.demodulate, self.upsample = 1 / math.sqrt(n_in * k * k), demodulate, upsample

    def forward(self, x, w):
        s = self.modulation(w)
        outs = []
        for i in range(x.shape[0]):  # eq. 1 and 3, one sample at a time
            wi = self.c * self.weight * s[i].view(1, -1, 1, 1)
            if self.demodulate:
                wi = wi / torch.sqrt((wi ** 2).sum(dim=(1, 2, 3), keepdim=True) + 1e-8)
            xi = x[i:i + 1]
            if self.upsample:
                xi = F.interpolate(xi, scale_factor=2, mode="bilinear", align_corners=False)
            outs.append(F.conv2d(xi, wi, padding=self.weight.shape[2] // 2))
        return torch.cat(outs, 0)


class StyledConv(nn.Module):
    def __init__(self, n_in, n_out, w_dim, upsample):
        super().__init__()
        self.conv = ModulatedConv2d(n_in, n_out, 3, w_dim, True, upsample)
        self.noise_strength = nn.Parameter(torch.zeros(1))
        self.bias = nn.Parameter(torch.zeros(n_out))

    def forward(self, x, w, noise):
        return act(self.conv(x, w) + noise * self.noise_strength + self.bias.view(1, -1, 1, 1))


class ToRgb(nn.Module):
    def __init__(self, n_in, w_dim):
        super().__init__()
        self.conv = ModulatedConv2d(n_in, 3, 1, w_dim, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(3))

    def forward(self, x, w, skip):
        y = self.conv(x, w) + self.bias.view(1, 3, 1, 1)
        if skip is not None:
            y = y + F.interpolate(skip, scale_factor=2, mode="bilinear", align_corners=False)
        return y


class SynthesisBlock(nn.Module):
    def __init__(self, n_in, n_out, w_dim, first):
        super().__init__()
        if not first:
            self.conv0 = StyledConv(n_in, n_out, w_dim, True)
        self.conv1 = StyledConv(n_in if first else n_out, n_out, w_dim, False)
        self.to_rgb = ToRgb(n_out, w_dim)
        self.first = first

    def forward(self, x, rgb, w, noise0, noise1):
        if not self.first:
            x = self.conv0(x, w, noise0)
        x = self.conv1(x, w, noise1)
        return x, self.to_rgb(x, w, rgb)


def channels(res, base, cmax):
    return max(1, min(cmax, base // res))


class Generator(nn.Module):
    def __init__(self, res, z_dim, w_dim, n_mlp, base, cmax):
        super().__init__()
        self.mapping = nn.Sequential(*[EqualLinear(z_dim if i == 0 else w_dim, w_dim, 0.0, 0.01,
                                                   True) for i in range(n_mlp)])
        self.input = nn.Parameter(torch.randn(1, channels(4, base, cmax), 4, 4))
        self.register_buffer("w_avg", torch.zeros(w_dim))
        self.res = [4 * 2 ** i for i in range(int(math.log2(res)) - 1)]
        for r in self.res:
            setattr(self, "b%d" % r, SynthesisBlock(channels(max(4, r // 2), base, cmax),
                                                    channels(r, base, cmax), w_dim, r == 4))

    def forward(self, z, noises):
        z = z * torch.rsqrt((z ** 2).mean(dim=1, keepdim=True) + 1e-8)
        w = self.mapping(z)
        x, rgb = self.input.repeat(z.shape[0], 1, 1, 1), None
        for r in self.res:
            x, rgb = getattr(self, "b%d" % r)(x, rgb, w, noises.get("b%d.conv0" % r),
                                              noises["b%d.conv1" % r])
        return rgb


def minibatch_stddev(x, group=4):
    n, c, h, w = x.shape
    g = min(group, n)
    while n % g:
        g -= 1
    y = x.reshape(g, n // g, c, h, w)
    sd = torch.sqrt(((y - y.mean(0, keepdim=True)) ** 2).mean(0) + 1e-8)  # (M, C, H, W)
    f = sd.mean(dim=(1, 2, 3))  # (M)
    feat = torch.stack([f[i % (n // g)] for i in range(n)]).view(n, 1, 1, 1).expand(n, 1, h, w)
    return torch.cat([x, feat], 1)


class DiscriminatorBlock(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.conv0 = EqualConv2d(n_in, n_in, 3, True, True)
        self.conv1 = EqualConv2d(n_in, n_out, 3, True, True, True)
        self.skip = EqualConv2d(n_in, n_out, 1, False, False, True)

    def forward(self, x):
        return (self.conv1(self.conv0(x)) + self.skip(x)) / SQRT2


class Discriminator(nn.Module):
    def __init__(self, res, base, cmax):
        super().__init__()
        self.from_rgb = EqualConv2d(3, channels(res, base, cmax), 1, True, True)
        blocks, r = [], res
        while r > 4:
            blocks.append(DiscriminatorBlock(channels(r, base, cmax), channels(r // 2, base, cmax)))
            r //= 2
        self.blocks = nn.Sequential(*blocks)
        c4 = channels(4, base, cmax)
        self.final_conv = EqualConv2d(c4 + 1, c4, 3, True, True)
        self.fc = EqualLinear(c4 * 16, c4, activate=True)
        self.out = EqualLinear(c4, 1)

    def forward(self, x):
        h = self.final_conv(minibatch_stddev(self.blocks(self.from_rgb(x))))
        return self.out(self.fc(h.flatten(1)))
