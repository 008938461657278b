/*
 * The job status dictionary and error codes: the one table that the API,
 * the worker, the SQL enum (checked by t/test_jobs.c) and the tests use.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jobs.h"

struct status_info {
	const char	*name;
	int		 terminal;
	int		 cancellable;
	const char	*text[JOB_KIND__MAX][LANG__MAX];
};

static const struct status_info statuses[JOB_STATUS__MAX] = {
	[JOB_RECEIVED] = { "RECEIVED", 0, 1, {
	    { "Request received", "Заявка принята" },
	    { "Request received", "Заявка принята" } } },
	[JOB_VALIDATING] = { "VALIDATING", 0, 1, {
	    { "Checking your photo and the outfit", "Проверяем фото и образ" },
	    { "Checking the picture", "Проверяем изображение" } } },
	[JOB_MODERATING] = { "MODERATING", 0, 1, {
	    { "Checking photo quality", "Проверяем качество фото" },
	    { "Checking the picture", "Проверяем изображение" } } },
	[JOB_PROMPTING] = { "PROMPTING", 0, 1, {
	    { "Preparing the fitting", "Готовим примерку" },
	    { "Preparing the animation", "Готовим анимацию" } } },
	[JOB_QUEUED] = { "QUEUED", 0, 1, {
	    { "Waiting in line", "Ждём своей очереди" },
	    { "Waiting in line", "Ждём своей очереди" } } },
	[JOB_RUNNING] = { "RUNNING", 0, 0, {
	    { "Dressing you up", "Примеряем образ" },
	    { "Bringing the picture to life", "Оживляем изображение" } } },
	[JOB_UPLOADING] = { "UPLOADING", 0, 0, {
	    { "Saving the result", "Сохраняем результат" },
	    { "Saving the video", "Сохраняем видео" } } },
	[JOB_COMPLETED] = { "COMPLETED", 1, 0, {
	    { "Done", "Готово" },
	    { "Done", "Готово" } } },
	[JOB_FAILED] = { "FAILED", 1, 0, {
	    { "Did not work out", "Не получилось" },
	    { "Did not work out", "Не получилось" } } },
};

const struct job_error_info job_errors[JOB_ERR__MAX] = {
	[JOB_ERR_INTERNAL] = { "internal", 1, {
	    "Something went wrong on our side. Please try again in a minute.",
	    "У нас что-то пошло не так. Попробуйте ещё раз через минуту." } },
	[JOB_ERR_PHOTO_MISSING] = { "photo_missing", 0, {
	    "The photo is no longer available. Upload it again.",
	    "Фото больше недоступно. Загрузите его снова." } },
	[JOB_ERR_PHOTO_UNREADABLE] = { "photo_unreadable", 0, {
	    "We could not read this photo. Try a JPEG, PNG or WebP picture.",
	    "Не удалось прочитать фото. Попробуйте JPEG, PNG или WebP." } },
	[JOB_ERR_PHOTO_REJECTED] = { "photo_rejected", 0, {
	    "This photo did not pass the quality check. Try another one.",
	    "Фото не прошло проверку качества. Попробуйте другое." } },
	[JOB_ERR_PHOTO_TOO_SMALL] = { "photo_too_small", 0, {
	    "The photo is too small. Take one with a higher resolution.",
	    "Фото слишком маленькое. Сделайте снимок в большем разрешении." } },
	[JOB_ERR_PHOTO_BLURRY] = { "photo_blurry", 0, {
	    "The photo is too blurry. Try a sharper one.",
	    "Фото слишком размытое. Попробуйте более чёткое." } },
	[JOB_ERR_PHOTO_BLANK] = { "photo_blank", 0, {
	    "The photo looks empty. Take a photo of yourself.",
	    "Фото выглядит пустым. Сфотографируйте себя." } },
	[JOB_ERR_PHOTO_TOO_DARK] = { "photo_too_dark", 0, {
	    "The photo is too dark. Try one taken in better light.",
	    "Фото слишком тёмное. Попробуйте снимок при хорошем свете." } },
	[JOB_ERR_PHOTO_TOO_BRIGHT] = { "photo_too_bright", 0, {
	    "The photo is overexposed. Try one with softer light.",
	    "Фото пересвечено. Попробуйте снимок при более мягком свете." } },
	[JOB_ERR_PHOTO_NSFW] = { "photo_nsfw", 0, {
	    "We cannot use this photo. Please choose a different one.",
	    "Мы не можем использовать это фото. Пожалуйста, выберите другое." } },
	[JOB_ERR_RESULT_NSFW] = { "result_nsfw", 0, {
	    "The result did not pass our content check and was discarded. You were not charged. Try another photo or outfit.",
	    "Результат не прошёл проверку содержимого и удалён. Токены не списаны. Попробуйте другое фото или образ." } },
	[JOB_ERR_OUTFIT_UNAVAILABLE] = { "outfit_unavailable", 0, {
	    "This outfit is no longer available. Pick another one.",
	    "Этот образ больше недоступен. Выберите другой." } },
	[JOB_ERR_LOCATION_UNAVAILABLE] = { "location_unavailable", 0, {
	    "This location is no longer available. Pick another one.",
	    "Эта локация больше недоступна. Выберите другую." } },
	[JOB_ERR_TRYON_UNAVAILABLE] = { "tryon_unavailable", 0, {
	    "The try-on to animate is not available. Make a new try-on.",
	    "Примерка для анимации недоступна. Сделайте новую примерку." } },
	[JOB_ERR_PROVIDER_ERROR] = { "provider_error", 1, {
	    "The image service failed. Please try again later.",
	    "Сервис обработки изображений не справился. Попробуйте позже." } },
	[JOB_ERR_PROVIDER_REJECTED] = { "provider_rejected", 0, {
	    "The image service could not use these pictures. Try another photo.",
	    "Сервис обработки не смог использовать эти изображения. Попробуйте другое фото." } },
	[JOB_ERR_PROVIDER_TIMEOUT] = { "provider_timeout", 1, {
	    "It took too long. Please try again later.",
	    "Это заняло слишком много времени. Попробуйте позже." } },
	[JOB_ERR_PROVIDER_UNAVAILABLE] = { "provider_unavailable", 1, {
	    "The image service is not available right now. Please try again later.",
	    "Сервис обработки изображений сейчас недоступен. Попробуйте позже." } },
	[JOB_ERR_PHOTO_POSE] = { "photo_pose", 0, {
	    "We could not make out your pose in this photo. Try one where you stand facing the camera, your whole figure in view.",
	    "Не удалось распознать позу на фото. Попробуйте снимок, где вы стоите лицом к камере и видны целиком." } },
	[JOB_ERR_BODY_CUT_OFF] = { "body_cut_off", 0, {
	    "The photo does not show the part of the body this outfit is "
	    "worn on. Try one where you are seen from the shoulders to the "
	    "knees. No tokens were charged.",
	    "На фото не видно той части тела, на которую надевается этот "
	    "образ. Попробуйте снимок, где вы видны от плеч до колен. "
	    "Токены не списаны." } },
	[JOB_ERR_POSE_UNSUITABLE] = { "pose_unsuitable", 0, {
	    "In this photo you are lying down or turned away from the "
	    "camera. Try one where you stand facing the camera. No tokens "
	    "were charged.",
	    "На этом фото вы лежите или стоите спиной к камере. "
	    "Попробуйте снимок, где вы стоите лицом к камере. Токены не "
	    "списаны." } },
	[JOB_ERR_STORAGE_ERROR] = { "storage_error", 1, {
	    "We could not save the result. Please try again later.",
	    "Не удалось сохранить результат. Попробуйте позже." } },
	[JOB_ERR_CANCELLED] = { "cancelled", 0, {
	    "Cancelled. No tokens were charged.",
	    "Отменено. Токены не списаны." } },
	[JOB_ERR_INSUFFICIENT_TOKENS] = { "insufficient_tokens", 0, {
	    "Not enough tokens. Top up your balance and try again.",
	    "Недостаточно токенов. Пополните баланс и попробуйте снова." } },
	[JOB_ERR_ATTEMPTS_EXHAUSTED] = { "attempts_exhausted", 0, {
	    "We tried several times and could not finish. Please try again later.",
	    "Мы несколько раз пытались, но не смогли закончить. Попробуйте позже." } },
};

static const char *const kinds[JOB_KIND__MAX] = { "tryon", "animation" };

const char *
job_status_name(enum job_status s)
{
	if ((unsigned)s >= JOB_STATUS__MAX)
		return NULL;
	return statuses[s].name;
}

int
job_status_parse(const char *name)
{
	int	 i;

	if (name == NULL)
		return -1;
	for (i = 0; i < JOB_STATUS__MAX; i++)
		if (strcmp(statuses[i].name, name) == 0)
			return i;
	return -1;
}

const char *const job_vendors[] = { "fashn", "fal", "replicate", NULL };

const char *
job_status_text(enum job_status s, enum job_kind k, enum lang l)
{
	if ((unsigned)s >= JOB_STATUS__MAX)
		return "";
	if ((unsigned)k >= JOB_KIND__MAX)
		k = JOB_KIND_TRYON;
	return statuses[s].text[k][l == LANG_RU ? LANG_RU : LANG_EN];
}

int
job_status_terminal(enum job_status s)
{
	return (unsigned)s < JOB_STATUS__MAX && statuses[s].terminal;
}

int
job_status_cancellable(enum job_status s)
{
	return (unsigned)s < JOB_STATUS__MAX && statuses[s].cancellable;
}

int
job_status_claimable(enum job_status s)
{
	return (unsigned)s < JOB_STATUS__MAX && !statuses[s].terminal;
}

const char *
job_kind_name(enum job_kind k)
{
	if ((unsigned)k >= JOB_KIND__MAX)
		return NULL;
	return kinds[k];
}

int
job_kind_parse(const char *name)
{
	int	 i;

	if (name == NULL)
		return -1;
	for (i = 0; i < JOB_KIND__MAX; i++)
		if (strcmp(kinds[i], name) == 0)
			return i;
	return -1;
}

const char *
job_error_name(enum job_err e)
{
	if ((unsigned)e >= JOB_ERR__MAX)
		e = JOB_ERR_INTERNAL;
	return job_errors[e].name;
}

int
job_error_parse(const char *name)
{
	int	 i;

	if (name == NULL)
		return -1;
	for (i = 0; i < JOB_ERR__MAX; i++)
		if (strcmp(job_errors[i].name, name) == 0)
			return i;
	return -1;
}

const struct job_error_info *
job_error_lookup(const char *name)
{
	int	 i;

	i = job_error_parse(name);
	return &job_errors[i < 0 ? JOB_ERR_INTERNAL : i];
}

static void
error_vset(struct job_error *e, enum job_err code, int retryable,
    const char *fmt, va_list ap)
{
	if ((unsigned)code >= JOB_ERR__MAX)
		code = JOB_ERR_INTERNAL;
	e->code = code;
	e->set = 1;
	e->retryable = retryable;
	e->unavailable = 0;
	vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
}

void
job_error_set(struct job_error *e, enum job_err code, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	error_vset(e, code, (unsigned)code < JOB_ERR__MAX ?
	    job_errors[code].retryable : 1, fmt, ap);
	va_end(ap);
}

void
job_error_set_final(struct job_error *e, enum job_err code,
    const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	error_vset(e, code, 0, fmt, ap);
	va_end(ap);
}

void
job_error_clear(struct job_error *e)
{
	e->set = 0;
	e->retryable = 0;
	e->unavailable = 0;
	e->detail[0] = '\0';
}
